// The advisor inbox core: the /agent socket, numbered events, presence, load and offers.
// Every push carries an id; on (re)connect the page asks /api/v1/events?after=<id>
// and ignores ids it has already seen. Customer text is only ever set as textContent.
//
// The seam with the other inbox scripts (conversation.js, …) is window.Entraide:
//   Entraide.socket                 the connected /agent socket (emit typing, viewing…)
//   Entraide.csrf                   the CSRF token for fetch()
//   Entraide.on(event, fn)          fn(data, message) for every pushed event, once per id
//   Entraide.openConversation(id)   asks the conversation pane to show a conversation
// and the DOM event "entraide:open-conversation" (detail: {conversationId}).
(function () {
  "use strict";
  const root = document.getElementById("inbox");
  const csrf = root.dataset.csrf;
  const seen = new Set();
  let lastId = Number(sessionStorage.getItem("entraide.lastEventId") || 0);
  let connectedOnce = false;
  const socket = io("/agent", { transports: ["websocket", "polling"] });
  const listeners = new Map();

  function on(event, fn) {
    if (!listeners.has(event)) listeners.set(event, []);
    listeners.get(event).push(fn);
  }

  function openConversation(conversationId) {
    document.dispatchEvent(new CustomEvent("entraide:open-conversation",
      { detail: { conversationId: Number(conversationId) } }));
  }

  window.Entraide = { socket, csrf, on, openConversation };

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  function setConnection(key) {
    const status = document.getElementById("connection");
    status.textContent = status.dataset[key];
    status.dataset.state = key;
  }

  function handle(message) {
    if (seen.has(message.id)) return;
    seen.add(message.id);
    if (message.id > lastId) {
      lastId = message.id;
      sessionStorage.setItem("entraide.lastEventId", String(lastId));
    }
    const data = message.data;
    (listeners.get(message.event) || []).forEach((fn) => fn(data, message));
    switch (message.event) {
      case "offer.created": refreshLoad(); return showOffer(data);
      case "offer.withdrawn": return removeOffer(data.offer_id);
      case "offer.accepted":
        removeOffer(data.offer_id); refreshLoad(); return openConversation(data.conversation_id);
      case "presence.changed": showPresence(data.status); return refreshLoad();
      case "work.closed": case "work.transferred": case "offer.withdrawn": return refreshLoad();
      default: return undefined;
    }
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
    }, 200);
  }

  function showPresence(status) {
    const select = document.getElementById("presence");
    if ([...select.options].some((o) => o.value === status)) select.value = status;
  }

  async function catchUp() {
    const after = Math.max(0, lastId - 50);
    const response = await fetch("/api/v1/events?after=" + after, { credentials: "same-origin" });
    if (!response.ok) return;
    const page = await response.json();
    page.events.forEach(handle);
  }

  function refreshEmpty() {
    document.getElementById("no-offers").hidden =
      document.getElementById("offers").children.length > 0;
  }

  function showOffer(offer) {
    const expires = new Date(offer.expires_at).getTime();
    if (expires <= Date.now() || document.getElementById("offer-" + offer.offer_id)) return;
    const item = el("li", null, "offer");
    item.id = "offer-" + offer.offer_id;
    item.tabIndex = 0;
    item.dataset.offerId = offer.offer_id;
    item.appendChild(el("strong", offer.customer.name || "?", "customer"));
    item.appendChild(el("div", offer.work_item.channel + " · " + offer.work_item.queue, "muted"));
    const first = offer.timeline.find((i) => i.direction === "inbound");
    if (first) item.appendChild(el("p", first.body.slice(0, 140), "first-words"));
    item.appendChild(accountSummary(offer.account));
    const countdown = el("div", "", "countdown");
    item.appendChild(countdown);
    const tick = setInterval(() => {
      const left = Math.max(0, Math.round((expires - Date.now()) / 1000));
      countdown.textContent = left + " s";
      if (left === 0 || !item.isConnected) { clearInterval(tick); item.remove(); refreshEmpty(); }
    }, 250);
    const accept = el("button", root.dataset.accept, "accept");
    const decline = el("button", root.dataset.decline, "decline");
    accept.addEventListener("click", () => answer("accept", offer.offer_id));
    decline.addEventListener("click", () => answer("decline", offer.offer_id));
    item.addEventListener("keydown", (e) => {
      if (e.key === "a") answer("accept", offer.offer_id);
      if (e.key === "d") answer("decline", offer.offer_id);
    });
    item.append(accept, decline);
    document.getElementById("offers").appendChild(item);
    refreshEmpty();
  }

  function accountSummary(account) {
    const box = el("div", null, "account");
    if (!account || account.available === false) {
      box.textContent = root.dataset.accountUnavailable;
      return box;
    }
    (account.subscriptions || []).forEach((s) => box.appendChild(el("div", s.plan + " · " + s.status)));
    (account.invoices || []).filter((i) => i.status !== "paid")
      .forEach((i) => box.appendChild(el("div", i.number + " " + i.amount + " € · " + i.status, "unpaid")));
    (account.orders || []).slice(0, 1)
      .forEach((o) => box.appendChild(el("div", o.number + " " + o.item + " · " + o.status)));
    return box;
  }

  function removeOffer(offerId) {
    const node = document.getElementById("offer-" + offerId);
    if (node) node.remove();
    refreshEmpty();
  }

  function answer(verb, offerId) {
    socket.emit(verb, { offer_id: offerId }, (reply) => {
      removeOffer(offerId);
      if (reply && reply.ok && reply.conversation_id) openConversation(reply.conversation_id);
    });
  }

  document.getElementById("presence").addEventListener("change", (e) => {
    socket.emit("presence", { status: e.target.value });
  });
  socket.on("connect", async () => {
    setConnection("online");
    refreshLoad();
    await catchUp();
    if (connectedOnce) setConnection("caughtUp");
    connectedOnce = true;
  });
  socket.on("disconnect", () => setConnection("offline"));
  socket.on("event", handle);
  refreshEmpty();
})();
