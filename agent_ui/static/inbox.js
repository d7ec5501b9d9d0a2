// The advisor inbox core: the /agent socket, numbered events, presence, load, the
// connection banner and the open work item. Every push carries an id; on (re)connect the
// page asks /api/v1/events?after=<id> (page after page) and ignores ids it has already
// seen. Customer text is only ever set as textContent.
//
// The seam with the other inbox scripts (offers.js, lists.js, actions.js, keys.js,
// conversation.js, …) is window.Entraide:
//   Entraide.socket                 the connected /agent socket (emit typing…)
//   Entraide.csrf                   the CSRF token for fetch()
//   Entraide.on(event, fn)          fn(data, message) for every pushed event, once per id;
//                                   message.replay is "initial" (catch-up at page load)
//                                   or "reconnect" for events fetched by the catch-up
//   Entraide.openConversation(id, workItem?)
//                                   asks the conversation pane to show a conversation;
//                                   workItem (a row of GET /api/v1/work-items, or
//                                   {id}) becomes the open work item
//   Entraide.current()              {conversationId, workItem} of what is open, or null
//   Entraide.emit(name, data)       runs the listeners of a page-local event: "opened"
//                                   ({conversationId, workItem}), "acted" (an action's
//                                   answer), "caught-up" ({missed})
//   Entraide.userId, Entraide.isSupervisor
// and the DOM events "entraide:open-conversation" (detail: {conversationId, workItemId})
// and "entraide:open-customer" (detail: {customerId, offerId}: the screen pop of a call,
// before it is accepted). The core itself tells the server which conversation is open
// (socket "viewing") and shows the collision warning: other scripts need not.
(function () {
  "use strict";
  const root = document.getElementById("inbox");
  const csrf = root.dataset.csrf;
  const seen = new Set();
  // This tab's last event id; a new tab starts from the newest event when the page was
  // rendered (its catch-up still reaches 50 ids back).
  let lastId = Number(sessionStorage.getItem("entraide.lastEventId") || root.dataset.lastEventId || 0);
  let connectedOnce = false;
  let open = null;
  const socket = io("/agent", { transports: ["websocket", "polling"] });
  const listeners = new Map();

  function on(event, fn) {
    if (!listeners.has(event)) listeners.set(event, []);
    listeners.get(event).push(fn);
  }

  function emitLocal(event, data) {
    (listeners.get(event) || []).forEach((fn) => fn(data, { event, data }));
  }

  function openConversation(conversationId, workItem) {
    const id = Number(conversationId);
    const previous = open;
    open = { conversationId: id, workItem: workItem || (previous && previous.conversationId === id
      ? previous.workItem : null) };
    if (previous && previous.conversationId !== id) {
      socket.emit("viewing", { conversation_id: previous.conversationId, viewing: false });
    }
    socket.emit("viewing", { conversation_id: id, viewing: true }, (reply) => {
      if (reply && reply.ok) showCollision(id, reply.viewers);
    });
    document.dispatchEvent(new CustomEvent("entraide:open-conversation", {
      detail: { conversationId: id, workItemId: open.workItem ? open.workItem.id : null },
    }));
    emitLocal("opened", open);
  }

  window.Entraide = {
    socket, csrf, on, openConversation,
    current: () => open,
    emit: emitLocal,
    userId: Number(root.dataset.userId),
    isSupervisor: root.dataset.supervisor === "true",
  };

  function showCollision(conversationId, viewers) {
    const box = document.getElementById("collision");
    if (!open || open.conversationId !== conversationId) return;
    const others = (viewers || []).filter((v) => v.user_id !== window.Entraide.userId);
    box.hidden = others.length === 0;
    box.textContent = others.length ? box.dataset.also + " " + others.map((v) => v.name).join(", ") : "";
  }

  // "Léa is typing…" under the open conversation: a colleague, or the customer of a web
  // chat (conversation.typing, at most every 2 s); hidden 5 s after the last one.
  let typingTimer = null;
  function showTyping(data) {
    const box = document.getElementById("typing-indicator");
    if (!open || open.conversationId !== data.conversation_id) return;
    const name = data.name || (data.customer ? box.dataset.customer : "");
    box.textContent = box.dataset.typing.replace("{name}", name);
    box.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => { box.hidden = true; }, 5000);
  }

  function hideTyping(data) {
    if (open && open.conversationId === data.conversation_id) {
      document.getElementById("typing-indicator").hidden = true;
    }
  }

  function setConnection(key, text) {
    const status = document.getElementById("connection");
    status.textContent = text || status.dataset[key];
    status.dataset.state = key;
  }

  function handle(message, replay) {
    if (seen.has(message.id)) return false;
    if (typeof replay === "string") message.replay = replay;
    seen.add(message.id);
    if (message.id > lastId) {
      lastId = message.id;
      sessionStorage.setItem("entraide.lastEventId", String(lastId));
    }
    const data = message.data;
    (listeners.get(message.event) || []).forEach((fn) => fn(data, message));
    if (message.event === "conversation.viewers") showCollision(data.conversation_id, data.viewers);
    if (message.event === "conversation.typing") showTyping(data);
    if (message.event === "message.created" && data.direction === "inbound") hideTyping(data);
    if (["offer.created", "offer.accepted", "offer.withdrawn", "presence.changed", "work.closed",
      "work.transferred", "work.reopened"].includes(message.event)) refreshLoad();
    if (message.event === "presence.changed") showPresence(data.status);
    return true;
  }

  // My presence and load (calls, chats, other channels) against my capacity.
  let loadTimer = null;
  function refreshLoad() {
    clearTimeout(loadTimer);
    loadTimer = setTimeout(async () => {
      const response = await fetch("/api/v1/work-items/mine", { credentials: "same-origin" });
      if (!response.ok) return;
      const mine = await response.json();
      showPresence(mine.status);
      const box = document.getElementById("my-load");
      const parts = ["voice", "chat", "async"].map((cls) =>
        box.dataset[cls] + " " + mine.load[cls] + "/" + mine.capacity[cls]);
      const full = mine.load.voice > 0 || mine.load.chat >= mine.capacity.chat;
      const busy = mine.status === "available" && full ? box.dataset.busy + " · " : "";
      box.textContent = busy + box.dataset.load + " : " + parts.join(" · ");
      box.dataset.status = mine.status;
    }, 150);
  }

  function showPresence(status) {
    const select = document.getElementById("presence");
    if ([...select.options].some((o) => o.value === status)) select.value = status;
  }

  // Everything after our last id, a page at a time; ids can commit out of order, so ask
  // from a little before and let the id set drop what was already handled.
  async function catchUp(replay) {
    let after = Math.max(0, lastId - 50);
    let missed = 0;
    for (let page = 0; page < 20; page += 1) {
      const response = await fetch("/api/v1/events?after=" + after + "&limit=500",
        { credentials: "same-origin" });
      if (!response.ok) return missed;
      const body = await response.json();
      body.events.forEach((message) => { if (handle(message, replay)) missed += 1; });
      if (body.events.length < 500) return missed;
      after = body.last_id;
    }
    return missed;
  }

  document.getElementById("presence").addEventListener("change", (e) => {
    socket.emit("presence", { status: e.target.value }, () => refreshLoad());
  });
  socket.on("connect", async () => {
    setConnection("online");
    refreshLoad();
    if (open) socket.emit("viewing", { conversation_id: open.conversationId, viewing: true });
    const again = connectedOnce;
    connectedOnce = true;
    const missed = await catchUp(again ? "reconnect" : "initial");
    if (again) {
      const status = document.getElementById("connection");
      setConnection("caughtUp", missed > 0
        ? status.dataset.missed.replace("{n}", String(missed)) : status.dataset.caughtUp);
      emitLocal("caught-up", { missed });
    }
  });
  socket.on("disconnect", () => setConnection("offline"));
  socket.on("event", (message) => handle(message));
})();
