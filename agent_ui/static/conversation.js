// The conversation pane: the items of an open conversation, live, and the composer.
// It listens to the inbox core (inbox.js, window.Entraide). Customer text only as textContent.
(function () {
  "use strict";
  const pane = document.getElementById("conversation-pane");
  const csrf = window.Entraide.csrf;

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  const opening = new Set();
  async function openConversation(conversationId) {
    if (opening.has(conversationId)) return;
    opening.add(conversationId);
    const response = await fetch("/api/v1/conversations/" + conversationId, { credentials: "same-origin" });
    if (!response.ok) return;
    const conversation = await response.json();
    const box = el("article", null, "conversation");
    box.id = "conversation-" + conversationId;
    box.appendChild(el("h3", conversation.channel + " #" + conversation.id));
    const items = el("div", null, "items");
    items.setAttribute("role", "log");
    box.appendChild(items);
    box.appendChild(composer(conversationId));
    document.getElementById("conversations").appendChild(box);
    conversation.items.forEach(appendItem);
  }

  function appendItem(item) {
    const box = document.getElementById("conversation-" + item.conversation_id);
    if (!box || document.getElementById("item-" + item.id)) return;
    const line = el("div", null, "item " + item.direction);
    line.id = "item-" + item.id;
    line.appendChild(el("span", item.body, "body"));
    line.appendChild(el("span", item.status, "status"));
    box.querySelector(".items").appendChild(line);
  }

  function updateStatus(data) {
    const line = document.getElementById("item-" + data.interaction_id);
    if (line) line.querySelector(".status").textContent = data.status;
  }

  function composer(conversationId) {
    const key = "entraide.draft." + conversationId;
    const form = el("form", null, "composer");
    const text = el("textarea");
    text.placeholder = pane.dataset.replyPlaceholder;
    text.setAttribute("aria-label", pane.dataset.replyPlaceholder);
    text.value = localStorage.getItem(key) || "";
    text.addEventListener("input", () => localStorage.setItem(key, text.value));
    const send = el("button", pane.dataset.send);
    send.type = "submit";
    form.append(text, send);
    text.addEventListener("keydown", (e) => { if (e.key === "Enter" && e.ctrlKey) form.requestSubmit(); });
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const response = await fetch("/api/v1/conversations/" + conversationId + "/replies", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ body: text.value }),
      });
      if (response.ok) {
        appendItem(await response.json());
        text.value = "";
        localStorage.removeItem(key);
      }
    });
    return form;
  }

  document.addEventListener("entraide:open-conversation", (e) => openConversation(e.detail.conversationId));
  window.Entraide.on("message.created", appendItem);
  window.Entraide.on("message.status", updateStatus);
})();
