// The conversation pane: the customer's timeline across every channel (the open
// conversation highlighted), private notes apart from messages, live statuses, and the
// composer (composer.js). It listens to the inbox core (inbox.js, window.Entraide) and
// fills the customer panel (customer.js). Customer text only ever as textContent.
(function () {
  "use strict";
  const pane = document.getElementById("conversation-pane");
  const T = pane.dataset;
  const E = window.Entraide;
  const CHANNELS = { twilio_sms: "SMS", console: "Chat", email: "E-mail", phone: "Phone",
    forum: "Forum", social: "Social" };
  const INLINE_IMAGES = ["image/jpeg", "image/png", "image/gif", "image/webp"];

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  async function getJson(url) {
    const response = await fetch(url, { credentials: "same-origin" });
    return response.ok ? response.json() : null;
  }

  function channelBadge(channel) {
    const label = CHANNELS[channel] || channel;
    const badge = el("span", label, "channel channel-" + channel);
    badge.title = T.channelLabel + " : " + label;
    return badge;
  }

  function timeOf(iso) {
    const node = el("time", new Date(iso).toLocaleString(document.documentElement.lang,
      { dateStyle: "short", timeStyle: "short" }));
    node.dateTime = iso;
    return node;
  }

  function statusText(status) {
    return T["status" + status.charAt(0).toUpperCase() + status.slice(1)] || status;
  }

  const opened = new Map(); // conversation id -> {box, customerId, conversations:Set}

  async function openConversation(conversationId) {
    if (opened.has(conversationId)) return focusConversation(conversationId);
    opened.set(conversationId, null);
    const conversation = await getJson("/api/v1/conversations/" + conversationId);
    if (!conversation) { opened.delete(conversationId); return undefined; }
    const state = { customerId: conversation.customer_id, conversations: new Set([conversationId]) };
    state.box = article(conversation);
    opened.set(conversationId, state);
    document.getElementById("conversations").appendChild(state.box);
    conversation.items.forEach((item) => appendItem(item));
    window.EntraideCustomer.show(conversation.customer_id);
    await fillTimeline(state, conversationId);
    return focusConversation(conversationId);
  }

  function focusConversation(conversationId) {
    const state = opened.get(conversationId);
    if (state) window.EntraideCustomer.show(state.customerId);
  }

  function article(conversation) {
    const box = el("article", null, "conversation");
    box.id = "conversation-" + conversation.id;
    box.dataset.customerId = conversation.customer_id;
    box.dataset.conversationId = conversation.id;
    const title = el("h3");
    title.append(channelBadge(conversation.channel), el("span", " #" + conversation.id));
    const items = el("ol", null, "items timeline");
    items.setAttribute("role", "log");
    items.setAttribute("aria-label", T.timelineLabel);
    box.append(title);
    const forum = window.EntraideForum && window.EntraideForum.build(conversation);
    if (forum) box.append(forum);
    box.append(items, window.EntraideComposer.build(conversation, {
      onSent: appendItem, onNote: appendNote,
    }));
    return box;
  }

  async function fillTimeline(state, conversationId) {
    const [page, notes] = await Promise.all([
      getJson("/api/v1/customers/" + state.customerId + "/timeline?limit=100"),
      getJson("/api/v1/customers/" + state.customerId + "/notes"),
    ]);
    (page ? page.items : []).forEach((item) => {
      state.conversations.add(item.conversation_id);
      appendItem(item, state.box, conversationId);
    });
    (notes || []).forEach((note) => appendNote(note, state.box));
  }

  function boxesFor(conversationId) {
    return [...opened.values()].filter((s) => s && s.conversations.has(conversationId))
      .map((s) => s.box);
  }

  function appendItem(item, onlyBox, currentId) {
    const boxes = onlyBox ? [onlyBox] : boxesFor(item.conversation_id);
    boxes.forEach((box) => {
      if (box.querySelector("#item-" + item.id)) return;
      const current = Number(box.dataset.conversationId) === item.conversation_id;
      const line = el("li", null, "item " + item.direction + (current ? " current" : " other"));
      line.id = "item-" + item.id;
      line.dataset.at = item.occurred_at;
      line.dataset.conversationId = item.conversation_id;
      const meta = el("div", null, "meta");
      const direction = el("span", item.direction === "inbound" ? T.inbound : T.outbound,
        "direction");
      meta.append(channelBadge(item.channel), direction, timeOf(item.occurred_at));
      if (!current) meta.append(el("span", "#" + item.conversation_id, "thread"));
      const status = el("span", statusText(item.status), "status");
      status.dataset.status = item.status;
      meta.append(status);
      line.append(meta, ...body(item));
      item.attachments.forEach((a) => line.append(attachment(a)));
      insertByTime(box.querySelector(".items"), line);
    });
    return currentId;
  }

  // An email's HTML part: sanitized at ingest, served with its own CSP, shown in a frame
  // without scripts or same origin; the text part stays below it, folded, as fallback.
  function body(item) {
    const text = el("p", item.body, "body");
    if (!item.has_html) return [text];
    const frame = el("iframe", null, "email-html");
    frame.setAttribute("sandbox", "allow-popups allow-popups-to-escape-sandbox");
    frame.setAttribute("referrerpolicy", "no-referrer");
    frame.title = T.htmlFrame;
    frame.src = "/api/v1/interactions/" + item.id + "/html";
    const fallback = el("details", null, "text-part");
    fallback.append(el("summary", T.textPart), text);
    return [frame, fallback];
  }

  function attachment(a) {
    if (a.state !== "stored") return el("p", T.attachmentPending, "attachment muted");
    const url = "/api/v1/attachments/" + a.id;
    if (INLINE_IMAGES.includes(a.content_type)) {
      const img = el("img", null, "attachment");
      img.src = url;
      img.alt = a.filename || T.attachment + " " + a.id;
      img.loading = "lazy";
      return img;
    }
    const link = el("a", (a.filename || T.attachment) + " (" + a.content_type + ")",
      "attachment");
    link.href = url;
    return link;
  }

  function appendNote(note, onlyBox) {
    const boxes = onlyBox ? [onlyBox] : [...opened.values()]
      .filter((s) => s && s.customerId === note.customer_id).map((s) => s.box);
    boxes.forEach((box) => {
      if (box.querySelector("#note-" + note.id)) return;
      const line = el("li", null, "note");
      line.id = "note-" + note.id;
      line.dataset.at = note.created_at;
      const meta = el("div", null, "meta");
      meta.append(el("strong", T.noteLabel, "note-label"), el("span", note.author, "author"),
        timeOf(note.created_at));
      line.append(meta, el("p", note.body, "body"));
      insertByTime(box.querySelector(".items"), line);
    });
  }

  function insertByTime(list, line) {
    const at = Date.parse(line.dataset.at);
    const after = [...list.children].find((other) => Date.parse(other.dataset.at) > at);
    list.insertBefore(line, after || null);
    if (!after) list.scrollTop = list.scrollHeight;
  }

  function updateStatus(data) {
    document.querySelectorAll("#item-" + data.interaction_id + " .status").forEach((node) => {
      node.textContent = statusText(data.status);
      node.dataset.status = data.status;
    });
  }

  function mentioned(data) {
    const box = document.getElementById("notifications");
    const note = el("div", null, "notification");
    note.append(el("strong", data.author + " " + T.mentioned), el("span", " : " + data.excerpt));
    note.dataset.conversationId = data.conversation_id;
    box.prepend(note);
    if ("Notification" in window && Notification.permission === "granted") {
      new Notification(data.author + " " + T.mentioned, { body: data.excerpt });
    }
  }

  document.addEventListener("entraide:open-conversation", (e) => openConversation(e.detail.conversationId));
  E.on("message.created", (item) => appendItem(item));
  E.on("message.status", updateStatus);
  E.on("note.created", (note) => appendNote(note));
  E.on("note.mentioned", mentioned);
})();
