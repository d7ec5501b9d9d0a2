// Link the open conversation to an open incident, or unlink it (the "Incident" box of the
// actions bar). GET/POST/DELETE /api/v1/conversations/<id>/incidents; the answer lists the
// linked incidents and the open ones left to choose from. The server pushes
// "incidents.changed", which the customer panel (customer.js) follows.
(function () {
  "use strict";
  const E = window.Entraide;
  const box = document.getElementById("incident-box");
  const list = document.getElementById("incident-links");
  const form = document.getElementById("incident-form");
  const select = form.querySelector("select");
  const said = document.getElementById("action-status");
  const T = box.dataset;
  const failed = document.getElementById("work-actions").dataset.failed;
  let conversationId = null;

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  async function call(method, path, body) {
    const response = await fetch("/api/v1/conversations/" + conversationId + "/incidents" + path, {
      method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": E.csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      const errors = answer.errors || {};
      const flat = Object.values(errors.json || errors).flat();
      said.textContent = failed + " " + flat.join("; ");
      return null;
    }
    return answer;
  }

  function render(choices) {
    list.replaceChildren(...choices.linked.map((incident) => {
      const item = el("li", null, "incident-link");
      item.dataset.incidentId = incident.id;
      const unlink = el("button", T.unlink);
      unlink.type = "button";
      unlink.setAttribute("aria-label", T.unlink + " : " + incident.title);
      unlink.addEventListener("click", async () => {
        const answer = await call("DELETE", "/" + incident.id);
        if (answer) render(answer);
      });
      item.append(el("span", T.linked + " : " + incident.title + " "), unlink);
      return item;
    }));
    select.replaceChildren(...choices.open.map((incident) => {
      const option = el("option", incident.title);
      option.value = incident.id;
      return option;
    }));
    form.hidden = choices.open.length === 0;
    if (!choices.open.length && !choices.linked.length) list.append(el("li", T.none, "muted"));
  }

  async function load(id) {
    conversationId = id;
    const answer = await call("GET", "");
    if (answer && conversationId === id) render(answer);
  }

  E.on("opened", (open) => load(open.conversationId));
  box.addEventListener("toggle", () => { if (box.open && conversationId) load(conversationId); });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!select.value) return;
    const answer = await call("POST", "", { incident_id: Number(select.value) });
    if (answer) render(answer);
  });
})();
