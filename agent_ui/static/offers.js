// Offers: a pop-up card per offer with a sound and a desktop notification (when allowed),
// channel, customer, queue, waiting time, first words, account summary and a countdown
// until it is re-offered; accept / decline by click or key (a / d, see keys.js).
// A call is a screen pop: the caller's record shows in the card and
// "entraide:open-customer" is dispatched before the advisor picks up.
(function () {
  "use strict";
  const E = window.Entraide;
  const region = document.getElementById("offers-region");
  const list = document.getElementById("offers");
  const text = region.dataset;
  const sound = new Audio(text.sound);
  sound.preload = "auto";

  // Cards stack below the top bar, however many lines it wraps to (its logout button
  // must stay reachable while offers are shown).
  const bar = document.querySelector(".topbar");
  const place = () => { if (bar) region.style.top = (bar.getBoundingClientRect().bottom + 8) + "px"; };
  place();
  window.addEventListener("resize", place);
  if (bar && "ResizeObserver" in window) new ResizeObserver(place).observe(bar);

  function el(tag, content, cls) {
    const node = document.createElement(tag);
    if (content !== undefined && content !== null) node.textContent = String(content);
    if (cls) node.className = cls;
    return node;
  }

  function refreshEmpty() {
    document.getElementById("no-offers").hidden = list.children.length > 0;
    region.classList.toggle("has-offers", list.children.length > 0);
  }

  function waited(since) {
    const seconds = Math.max(0, Math.round((Date.now() - new Date(since).getTime()) / 1000));
    return seconds < 90 ? seconds + " s" : Math.round(seconds / 60) + " min";
  }

  function showOffer(offer) {
    const expires = new Date(offer.expires_at).getTime();
    if (expires <= Date.now() || document.getElementById("offer-" + offer.offer_id)) return;
    const work = offer.work_item;
    const call = work.channel_class === "voice";
    const item = el("li", null, "offer" + (call ? " call" : ""));
    item.id = "offer-" + offer.offer_id;
    item.tabIndex = 0;
    item.dataset.offerId = offer.offer_id;
    item.setAttribute("role", "alertdialog");
    item.setAttribute("aria-label", (call ? text.call : text.newOffer) + " · " +
      (offer.customer.name || "?"));
    item.appendChild(el("strong", offer.customer.name || "?", "customer"));
    if (offer.customer.vip) item.appendChild(el("span", text.vip, "badge vip"));
    item.appendChild(el("div", work.channel + " · " + work.queue, "muted meta"));
    const waiting = el("div", "", "waiting");
    item.appendChild(waiting);
    if (offer.transfer) {
      item.appendChild(el("p", text.transferredBy + " " + (offer.transfer.by_name || "") +
        (offer.transfer.note ? " : " + offer.transfer.note : ""), "transfer-note"));
    }
    const first = offer.work_item.preview  // this work's own last words
      || (offer.timeline.find((i) => i.direction === "inbound") || {}).body;
    if (first) item.appendChild(el("p", first.slice(0, 140), "first-words"));
    item.appendChild(accountSummary(offer.account));
    if (call) item.appendChild(callerRecord(offer));
    const countdown = el("div", "", "countdown");
    countdown.setAttribute("aria-hidden", "true");
    item.appendChild(countdown);
    const tick = () => {
      const left = Math.max(0, Math.round((expires - Date.now()) / 1000));
      countdown.textContent = text.reoffered + " " + left + " s";
      waiting.textContent = text.waiting + " " + waited(work.waiting_since);
      if (left === 0 || !item.isConnected) { clearInterval(timer); item.remove(); refreshEmpty(); }
    };
    const timer = setInterval(tick, 250);
    tick();
    const accept = el("button", text.accept, "accept");
    const decline = el("button", text.decline, "decline");
    accept.setAttribute("aria-keyshortcuts", "a");
    decline.setAttribute("aria-keyshortcuts", "d");
    accept.addEventListener("click", () => answer("accept", offer.offer_id));
    decline.addEventListener("click", () => answer("decline", offer.offer_id));
    item.addEventListener("keydown", (e) => {
      if (e.key === "a") { e.stopPropagation(); answer("accept", offer.offer_id); }
      if (e.key === "d") { e.stopPropagation(); answer("decline", offer.offer_id); }
    });
    item.append(accept, decline);
    list.appendChild(item);
    refreshEmpty();
    announce(offer, call);
    if (call) {
      document.dispatchEvent(new CustomEvent("entraide:open-customer",
        { detail: { customerId: offer.customer.id, offerId: offer.offer_id } }));
    }
  }

  function accountSummary(account) {
    const box = el("div", null, "account");
    if (!account || account.available === false) {
      box.textContent = text.accountUnavailable;
      return box;
    }
    (account.subscriptions || []).forEach((s) => box.appendChild(el("div", s.plan + " · " + s.status)));
    (account.invoices || []).filter((i) => i.status !== "paid")
      .forEach((i) => box.appendChild(el("div", i.number + " " + i.amount + " € · " + i.status, "unpaid")));
    (account.orders || []).slice(0, 1)
      .forEach((o) => box.appendChild(el("div", o.number + " " + o.item + " · " + o.status)));
    return box;
  }

  // The screen pop: who is calling, how to reach them, their last contacts.
  function callerRecord(offer) {
    const box = el("section", null, "caller-record");
    box.setAttribute("aria-label", text.callerRecord);
    box.appendChild(el("h3", text.callerRecord));
    (offer.customer.identities || []).forEach((i) =>
      box.appendChild(el("div", i.kind + " " + i.address, "identity")));
    box.appendChild(el("h4", text.recent));
    const recent = el("ul", null, "recent");
    offer.timeline.slice(0, 5).forEach((i) =>
      recent.appendChild(el("li", i.channel + " · " + i.direction + " · " + (i.body || "").slice(0, 80))));
    box.appendChild(recent);
    return box;
  }

  function announce(offer, call) {
    sound.currentTime = 0;
    sound.play().catch(() => undefined);  // autoplay may be refused until a click
    if (!("Notification" in window) || Notification.permission !== "granted" || !document.hidden) return;
    const note = new Notification((call ? text.call : text.newOffer) + " · " + (offer.customer.name || "?"),
      { body: offer.work_item.channel + " · " + offer.work_item.queue, tag: "offer-" + offer.offer_id });
    note.onclick = () => { window.focus(); const card = document.getElementById("offer-" + offer.offer_id); if (card) card.focus(); };
  }

  function removeOffer(offerId) {
    const node = document.getElementById("offer-" + offerId);
    if (node) node.remove();
    refreshEmpty();
  }

  function answer(verb, offerId) {
    E.socket.emit(verb, { offer_id: offerId }, (reply) => {
      removeOffer(offerId);
      if (reply && reply.ok && reply.conversation_id) {
        E.openConversation(reply.conversation_id, { id: reply.work_item_id });
      }
    });
  }

  // The oldest offer on screen (keys a / d).
  E.answerOldestOffer = (verb) => {
    const first = list.querySelector(".offer");
    if (first) answer(verb, Number(first.dataset.offerId));
    return Boolean(first);
  };

  const notify = document.getElementById("notify");
  if ("Notification" in window && Notification.permission === "default") {
    notify.hidden = false;
    notify.addEventListener("click", () => Notification.requestPermission()
      .then(() => { notify.hidden = true; }));
  }

  // The work is this advisor's: open it (not when replayed at page load).
  function assigned(data, message) {
    removeOffer(data.offer_id);
    if (message.replay === "initial") return;  // accepted before this page: not reopened
    const open = E.current();
    if (!open || open.conversationId !== data.conversation_id) {
      E.openConversation(data.conversation_id, { id: data.work_item_id });
    }
  }

  E.on("offer.created", (offer, message) => {
    if (!offer.auto_accepted) { showOffer(offer); return; }
    // auto-accept for this channel: the card is the assignment (no offer.accepted follows)
    if (message.replay !== "initial") announce(offer, offer.work_item.channel_class === "voice");
    assigned({ offer_id: offer.offer_id, work_item_id: offer.work_item.id,
      conversation_id: offer.work_item.conversation_id }, message);
  });
  E.on("offer.withdrawn", (data) => removeOffer(data.offer_id));
  E.on("offer.accepted", assigned);
  refreshEmpty();
})();
