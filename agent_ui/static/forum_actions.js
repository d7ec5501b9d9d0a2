// Forum questions in the inbox: a link to the public topic and "move to a private case"
// (POST /api/v1/forum/topics/<id>/escalate). Brand answers go through the composer, which
// answers a forum conversation on the topic. Strings come from #conversation-pane's data-*.
(function () {
  "use strict";
  const E = window.Entraide;
  const T = document.getElementById("conversation-pane").dataset;
  const TOPIC = /^\/forum\/t\/(\d+)/;

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  function reasons(answer) {
    return Object.values((answer && answer.errors) || {}).flat().join(" ");
  }

  function build(conversation) {
    const match = TOPIC.exec(conversation.address || "");
    if (conversation.channel !== "forum" || !match) return null;
    const box = el("section", null, "forum-actions");
    box.setAttribute("aria-label", T.forumActions);
    const link = el("a", T.openTopic);
    link.href = conversation.address;
    link.target = "_blank";
    link.rel = "noopener";
    const form = el("form", null, "escalate-form");
    const label = el("label", T.privateFirstMessage);
    const text = el("textarea");
    text.required = true;
    text.maxLength = 20000;
    label.appendChild(text);
    const send = el("button", T.escalate);
    send.type = "submit";
    const status = el("p", "", "muted");
    status.setAttribute("role", "status");
    form.append(label, send, status);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      send.disabled = true;
      const response = await fetch("/api/v1/forum/topics/" + match[1] + "/escalate", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": E.csrf },
        body: JSON.stringify({ message: text.value,
          language: document.documentElement.lang === "en" ? "en" : "fr" }),
      });
      const answer = await response.json().catch(() => null);
      send.disabled = false;
      if (!response.ok) { status.textContent = T.sendFailed + " " + reasons(answer); return; }
      status.textContent = T.escalated;
      text.value = "";
      if (answer && answer.conversation_id) E.openConversation(answer.conversation_id);
    });
    box.append(link, form);
    return box;
  }

  window.EntraideForum = { build };
})();
