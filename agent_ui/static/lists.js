// The lists: "Mine", "My queues", "All open" (supervisors), filtered and searched through
// GET /api/v1/work-items, with every list's count. Live: pushed events (offers, work,
// queue counts, SLA) refresh the list; a row shows who else has the conversation open.
// Keyboard: j / k move, Enter opens (keys.js calls Entraide.lists).
(function () {
  "use strict";
  const E = window.Entraide;
  const box = document.getElementById("lists");
  const list = document.getElementById("work-list");
  const form = document.getElementById("filters");
  const status = document.getElementById("list-status");
  const more = document.getElementById("list-more");
  const text = box.dataset;
  const labels = {
    channel: JSON.parse(text.channelLabels), status: JSON.parse(text.statusLabels),
    sla: JSON.parse(text.slaLabels),
  };
  let view = sessionStorage.getItem("entraide.view") || "mine";
  let rows = new Map();
  let selected = null;
  let generation = 0;

  function el(tag, content, cls) {
    const node = document.createElement(tag);
    if (content !== undefined && content !== null) node.textContent = String(content);
    if (cls) node.className = cls;
    return node;
  }

  function query(cursor) {
    const params = new URLSearchParams({ view });
    new FormData(form).forEach((value, key) => { if (String(value).trim()) params.set(key, String(value).trim()); });
    if (cursor) params.set("cursor", cursor);
    return "/api/v1/work-items?" + params.toString();
  }

  async function load(cursor) {
    const mine = ++generation;
    const response = await fetch(query(cursor), { credentials: "same-origin" });
    if (mine !== generation) return;
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      const why = Object.values(body.errors || {}).flatMap((v) => Array.isArray(v) ? v : Object.values(v).flat());
      status.textContent = text.loadFailed + (why.length ? " " + why.join(" ") : "");
      return;
    }
    const page = await response.json();
    const hadFocus = list.contains(document.activeElement);
    if (!cursor) { list.replaceChildren(); rows = new Map(); }
    page.items.forEach((item) => list.appendChild(row(item)));
    more.hidden = !page.next_cursor;
    more.dataset.cursor = page.next_cursor || "";
    showCounts(page.counts);
    status.textContent = list.children.length ? "" : text.nobody;
    restoreSelection(hadFocus);
    if (!performance.getEntriesByName("entraide:list-ready").length) performance.mark("entraide:list-ready");
  }

  function showCounts(counts) {
    document.querySelectorAll("[data-count]").forEach((node) => {
      const n = counts[node.dataset.count];
      node.textContent = n === null || n === undefined ? "" : "(" + n + ")";
    });
  }

  function row(item) {
    const li = el("li", null, "work-row state-" + item.state + " sla-" + item.sla_state);
    li.id = "work-" + item.id;
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", "false");
    li.tabIndex = -1;
    li.dataset.workItemId = item.id;
    li.dataset.conversationId = item.conversation_id;
    const head = el("div", null, "row-head");
    head.appendChild(el("span", labels.channel[item.channel] || item.channel, "channel channel-" + item.channel));
    head.appendChild(el("strong", item.customer.name || "?", "customer"));
    head.appendChild(el("span", "#" + item.id, "muted"));
    li.appendChild(head);
    const meta = [item.queue.name, item.held ? text.held : labels.status[item.state] || item.state];
    if (item.assigned) meta.push(item.assigned.name);
    li.appendChild(el("div", meta.join(" · "), "muted meta"));
    if (item.sla_state !== "none") li.appendChild(el("span", labels.sla[item.sla_state], "sla"));
    if (item.first_words) li.appendChild(el("p", item.first_words, "first-words"));
    if (item.tags.length) li.appendChild(el("div", item.tags.map((t) => "#" + t).join(" "), "tags"));
    li.appendChild(el("div", "", "viewers"));
    rows.set(item.id, item);
    showViewers(li, item.viewers);
    li.addEventListener("click", () => { select(li); openRow(li); });
    return li;
  }

  function showViewers(li, viewers) {
    const others = (viewers || []).filter((v) => v.user_id !== E.userId);
    const node = li.querySelector(".viewers");
    node.textContent = others.length ? text.viewing + " " + others.map((v) => v.name).join(", ") : "";
    li.classList.toggle("collision", others.length > 0);
  }

  function select(li) {
    if (!li) return;
    list.querySelectorAll("[aria-selected=true]").forEach((n) => n.setAttribute("aria-selected", "false"));
    li.setAttribute("aria-selected", "true");
    list.setAttribute("aria-activedescendant", li.id);
    selected = Number(li.dataset.workItemId);
    li.focus();
    li.scrollIntoView({ block: "nearest" });
  }

  // The list is redrawn on every change: keep the selection, and the focus if it was there.
  function restoreSelection(hadFocus) {
    const li = selected && document.getElementById("work-" + selected);
    if (li) {
      li.setAttribute("aria-selected", "true");
      list.setAttribute("aria-activedescendant", li.id);
      if (hadFocus) li.focus();
    } else if (hadFocus) {
      list.focus();
    }
  }

  function openRow(li) {
    const item = rows.get(Number(li.dataset.workItemId));
    if (!item) return;
    const mayOpen = E.isSupervisor || (item.assigned && item.assigned.id === E.userId);
    if (!mayOpen) { status.textContent = text.notYours; return; }
    E.openConversation(item.conversation_id, item);
  }

  function move(step) {
    const all = [...list.children];
    if (!all.length) return;
    const at = all.findIndex((n) => Number(n.dataset.workItemId) === selected);
    const next = at < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, at + step));
    select(all[next]);
  }

  function setView(wanted) {
    const tab = document.querySelector('[role=tab][data-view="' + wanted + '"]');
    if (!tab) return;
    view = wanted;
    sessionStorage.setItem("entraide.view", view);
    document.querySelectorAll("[role=tab]").forEach((t) => {
      const on = t === tab;
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
    });
    load();
  }

  let timer = null;
  function refreshSoon() {
    clearTimeout(timer);
    timer = setTimeout(() => load(), 300);
  }

  document.querySelectorAll("[role=tab]").forEach((tab) => {
    tab.addEventListener("click", () => setView(tab.dataset.view));
    tab.addEventListener("keydown", (e) => {
      if (e.key !== "ArrowRight" && e.key !== "ArrowLeft") return;
      const tabs = [...document.querySelectorAll("[role=tab]")];
      const next = tabs[(tabs.indexOf(tab) + (e.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
      next.focus();
      setView(next.dataset.view);
    });
  });
  form.addEventListener("input", refreshSoon);
  form.addEventListener("submit", (e) => { e.preventDefault(); load(); });
  more.addEventListener("click", () => load(more.dataset.cursor));
  list.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown") { e.preventDefault(); move(1); }
    if (e.key === "ArrowUp") { e.preventDefault(); move(-1); }
    if (e.key === "Enter") { e.preventDefault(); E.lists.open(); }
  });
  list.addEventListener("focus", () => { if (!selected) move(1); });
  list.addEventListener("focusin", (e) => {
    const li = e.target.closest(".work-row");
    if (li && Number(li.dataset.workItemId) !== selected) select(li);
  });

  ["offer.created", "offer.accepted", "offer.withdrawn", "work.closed", "work.transferred",
    "work.held", "work.resumed", "work.reopened", "work.tagged", "queue.waiting", "queue.counts",
    "queue.stats", "sla.warning", "sla.breached", "message.created", "caught-up", "acted"]
    .forEach((name) => E.on(name, refreshSoon));
  E.on("conversation.viewers", (data) => {
    list.querySelectorAll('[data-conversation-id="' + data.conversation_id + '"]')
      .forEach((li) => showViewers(li, data.viewers));
  });
  setInterval(() => { if (!document.hidden) load(); }, 20000);

  E.lists = {
    next: () => move(1), previous: () => move(-1), setView, refresh: load,
    open: () => { const li = selected && document.getElementById("work-" + selected); if (li) openRow(li); },
    focus: () => { const li = selected && document.getElementById("work-" + selected); (li || list).focus(); },
  };
  setView(document.querySelector('[role=tab][data-view="' + view + '"]') ? view : "mine");
})();
