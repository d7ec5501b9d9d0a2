// Actions on the open work item (Entraide.current()): transfer to a queue or an advisor
// with a note, hold / resume, close with a wrap-up code, reopen, tags. Each is one REST
// call to /api/v1/work-items/<id>/…; the answer (the item) refreshes the bar, and
// Entraide's "acted" listeners (the lists) refresh too.
(function () {
  "use strict";
  const E = window.Entraide;
  const bar = document.getElementById("work-actions");
  const title = document.getElementById("work-title");
  const said = document.getElementById("action-status");
  const text = bar.dataset;
  const states = JSON.parse(document.getElementById("lists").dataset.statusLabels);
  let item = null;

  function show(work) {
    item = work;
    bar.hidden = !work;
    if (!work) return;
    const closed = work.state === "closed";
    const assigned = work.state === "assigned";
    title.textContent = text.item + " #" + work.id + " · " + (states[work.state] || work.state) +
      (work.held ? " · " + text.held : "");
    document.getElementById("act-hold").hidden = !assigned || work.held;
    document.getElementById("act-resume").hidden = !assigned || !work.held;
    document.getElementById("act-reopen").hidden = !closed;
    document.getElementById("transfer-box").hidden = closed;
    document.getElementById("close-box").hidden = !assigned;
    document.getElementById("tags-form").hidden = !assigned;
    if (work.tags) document.querySelector("#tags-form [name=tags]").value = work.tags.join(", ");
  }

  async function act(path, method, body) {
    if (!item) return null;
    const response = await fetch("/api/v1/work-items/" + item.id + "/" + path, {
      method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": E.csrf },
      body: JSON.stringify(body || {}),
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      said.textContent = text.failed + " " + reasons(answer);
      return null;
    }
    said.textContent = text.done;
    show({ ...item, ...answer });
    E.emit("acted", answer);
    return answer;
  }

  function reasons(answer) {
    const errors = answer.errors || {};
    const flat = [];
    Object.values(errors).forEach((v) => {
      if (Array.isArray(v)) flat.push(...v);
      else Object.entries(v || {}).forEach(([field, why]) => flat.push(field + ": " + [].concat(why).join(" ")));
    });
    return flat.join("; ");
  }

  // Fetch the item's current state from my list, or take what the caller gave.
  async function load(workItemId) {
    const view = E.isSupervisor ? "all" : "mine";
    for (const status of ["open", "closed"]) {
      const response = await fetch("/api/v1/work-items?view=" + view + "&status=" + status +
        "&q=%23" + workItemId, { credentials: "same-origin" });
      const page = response.ok ? await response.json() : { items: [] };
      if (page.items.length) return page.items[0];
    }
    return null;
  }

  E.on("opened", async (open) => {
    said.textContent = "";
    if (!open.workItem) { show(null); return; }
    const full = open.workItem.state ? open.workItem : await load(open.workItem.id);
    show(full || { ...open.workItem, state: "assigned", tags: [] });
  });
  ["work.held", "work.resumed", "work.closed", "work.transferred", "work.tagged"].forEach((name) =>
    E.on(name, async (data) => {
      if (item && data.work_item_id === item.id) show((await load(item.id)) || null);
    }));

  document.getElementById("act-hold").addEventListener("click", () => act("hold", "POST"));
  document.getElementById("act-resume").addEventListener("click", () => act("resume", "POST"));
  document.getElementById("act-reopen").addEventListener("click", () => act("reopen", "POST", { note: "" }));
  document.getElementById("transfer-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const data = new FormData(e.target);
    const [kind, id] = String(data.get("target")).split(":");
    const body = { note: String(data.get("note") || "") };
    body[kind === "queue" ? "queue_id" : "user_id"] = Number(id);
    if (await act("transfer", "POST", body)) { e.target.reset(); document.getElementById("transfer-box").open = false; }
  });
  document.getElementById("close-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const data = new FormData(e.target);
    const body = { wrap_up_code: String(data.get("wrap_up_code")), note: String(data.get("note") || "") };
    if (await act("close", "POST", body)) { e.target.reset(); document.getElementById("close-box").open = false; }
  });
  document.getElementById("tags-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const tags = String(new FormData(e.target).get("tags") || "").split(",").map((t) => t.trim()).filter(Boolean);
    act("tags", "PUT", { tags });
  });

  E.actions = {
    toggleHold: () => { if (item && item.state === "assigned") act(item.held ? "resume" : "hold", "POST"); },
    openBox: (id) => {
      const box = document.getElementById(id);
      if (!item || box.hidden) return;
      box.open = true;
      const first = box.querySelector("select, textarea, input");
      if (first) first.focus();
    },
  };
})();
