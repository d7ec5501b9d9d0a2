// The composer of a conversation: reply (on the conversation's channel or another one the
// customer allows) or private note (with @mentions); canned responses by "/" or "#";
// SMS segments and channel limits; an email's subject and quote (email_reply.js);
// Ctrl+Enter sends; the draft lives in localStorage per
// conversation until it is sent. Exposes window.EntraideComposer.build(conversation, hooks).
(function () {
  "use strict";
  const T = document.getElementById("conversation-pane").dataset;
  const GSM = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡" +
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  const GSM_EXTENDED = "^{}\\[~]|€\f";
  let colleagues = null;

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": window.Entraide.csrf },
      body: JSON.stringify(body),
    });
  }

  // SMS: GSM-7 (160 per message, 153 per part; extended characters count twice), else
  // UCS-2 (70, then 67 per part, counted in UTF-16 units).
  function smsSegments(text) {
    let units = 0;
    let gsm = true;
    for (const ch of text) {
      if (GSM.includes(ch)) units += 1;
      else if (GSM_EXTENDED.includes(ch)) units += 2;
      else { gsm = false; break; }
    }
    if (!gsm) units = text.length;
    const [single, part] = gsm ? [160, 153] : [70, 67];
    const segments = units === 0 ? 0 : units <= single ? 1 : Math.ceil(units / part);
    return { encoding: gsm ? "GSM-7" : "UCS-2", units, segments };
  }
  window.EntraideSms = { smsSegments };

  function errorText(body) {
    const errors = (body && body.errors) || {};
    const flat = Object.entries(errors.json || errors).map(([field, messages]) =>
      field + " : " + [].concat(messages).join(" "));
    return T.sendFailed + " " + flat.join(" · ");
  }

  function build(conversation, hooks) {
    const key = "entraide.draft." + conversation.id;
    const draft = loadDraft(key);
    const form = el("form", null, "composer");
    form.setAttribute("aria-label", T.replyMode);
    const modes = el("div", null, "modes");
    modes.setAttribute("role", "group");
    const replyMode = el("button", T.replyMode, "mode");
    const noteMode = el("button", T.noteMode, "mode");
    [replyMode, noteMode].forEach((b) => { b.type = "button"; modes.append(b); });
    const channelLabel = el("label", T.channelLabel + " ", "channel-choice");
    const channel = el("select", null, "channel");
    channelLabel.append(channel);
    const text = el("textarea");
    const suggestions = el("ul", null, "suggestions");
    suggestions.id = "suggestions-" + conversation.id;
    suggestions.setAttribute("role", "listbox");
    text.setAttribute("aria-autocomplete", "list");
    text.setAttribute("aria-controls", suggestions.id);
    suggestions.hidden = true;
    const counter = el("p", null, "counter muted");
    counter.setAttribute("aria-live", "polite");
    const hint = el("p", T.cannedHint, "hint muted");
    const error = el("p", null, "error");
    error.setAttribute("role", "alert");
    const send = el("button", T.send, "send");
    send.type = "submit";
    form.append(modes, channelLabel, text, suggestions, counter, hint, error, send);
    const email = window.EntraideEmailReply.attach(form, conversation, text); // email_reply.js

    const state = { mode: "reply", texts: { reply: draft.reply, note: draft.note },
      channel: draft.channel || conversation.channel, options: [], mentions: new Map(),
      lastTyping: 0, ready: false };
    if (draft.reply || draft.note) hint.textContent = T.draftRestored;

    function save() {
      state.texts[state.mode] = text.value;
      const kept = { reply: state.texts.reply, note: state.texts.note, channel: state.channel };
      if (kept.reply || kept.note) localStorage.setItem(key, JSON.stringify(kept));
      else localStorage.removeItem(key);
    }

    function setMode(mode) {
      if (state.ready) state.texts[state.mode] = text.value;
      state.ready = true;
      state.mode = mode;
      text.value = state.texts[mode] || "";
      const note = mode === "note";
      form.classList.toggle("note-mode", note);
      replyMode.setAttribute("aria-pressed", String(!note));
      noteMode.setAttribute("aria-pressed", String(note));
      channelLabel.hidden = note;
      text.placeholder = note ? T.notePlaceholder : T.replyPlaceholder;
      text.setAttribute("aria-label", text.placeholder);
      send.textContent = note ? T.addNote : T.send;
      closeSuggestions();
      count();
    }

    function option() {
      return state.options.find((o) => o.channel === state.channel) ||
        { channel: conversation.channel, kind: "", max_length: 0, allowed: true };
    }

    function count() {
      const length = [...text.value].length;
      const current = option();
      let shown = length + " " + T.chars;
      let tooLong = false;
      if (state.mode === "reply" && current.max_length) {
        shown += " / " + current.max_length;
        tooLong = length > current.max_length;
      }
      if (state.mode === "reply" && current.kind === "sms") {
        const sms = smsSegments(text.value);
        shown += " · " + sms.segments + " " + T.segments + " (" + sms.encoding + ")";
      }
      email.show(state.mode === "reply" && current.kind === "email");
      counter.textContent = tooLong ? shown + " · " + T.tooLong : shown;
      counter.classList.toggle("over", tooLong);
      send.disabled = tooLong;
    }

    async function loadChannels() {
      const response = await fetch("/api/v1/conversations/" + conversation.id + "/reply-channels",
        { credentials: "same-origin" });
      if (!response.ok) return;
      state.options = await response.json();
      channel.replaceChildren(...state.options.map((o) => {
        const item = el("option", o.channel + (o.address ? " · " + o.address : "") +
          (o.allowed ? "" : " (" + T.notAllowed + " : " + o.reason + ")"));
        item.value = o.channel;
        item.disabled = !o.allowed;
        item.dataset.kind = o.kind;
        return item;
      }));
      if (!state.options.some((o) => o.channel === state.channel && o.allowed)) {
        state.channel = conversation.channel;
      }
      channel.value = state.channel;
      count();
    }

    // "/fac" or "#fac" before the caret: canned responses; "@ale" in a note: colleagues.
    function tokenBeforeCaret() {
      const before = text.value.slice(0, text.selectionStart);
      const canned = before.match(/(^|\s)([/#][\w-]*)$/);
      if (canned) return { kind: "canned", token: canned[2], start: before.length - canned[2].length };
      const mention = state.mode === "note" && before.match(/(^|\s)@([\p{L}\w-]*)$/u);
      if (mention) return { kind: "mention", token: mention[2], start: before.length - mention[2].length - 1 };
      return null;
    }

    let searchTimer = null;
    function suggest() {
      clearTimeout(searchTimer);
      const found = tokenBeforeCaret();
      if (!found) return closeSuggestions();
      searchTimer = setTimeout(async () => {
        const rows = found.kind === "canned" ? await cannedFor(found.token)
          : await mentionsFor(found.token);
        showSuggestions(rows, found);
      }, 120);
      return undefined;
    }

    async function cannedFor(token) {
      const response = await fetch("/api/v1/canned-responses?q=" + encodeURIComponent(token),
        { credentials: "same-origin" });
      const rows = response.ok ? await response.json() : [];
      return rows.map((r) => ({ label: r.shortcut + " — " + r.title, value: r }));
    }

    async function mentionsFor(token) {
      if (!colleagues) {
        const response = await fetch("/api/v1/colleagues", { credentials: "same-origin" });
        colleagues = response.ok ? await response.json() : [];
      }
      const wanted = token.toLowerCase();
      return colleagues.filter((c) => c.name.toLowerCase().split(/\s+/)
        .some((part) => part.startsWith(wanted)) || c.name.toLowerCase().startsWith(wanted))
        .map((c) => ({ label: "@" + c.name, value: c }));
    }

    function showSuggestions(rows, found) {
      suggestions.replaceChildren();
      rows.slice(0, 8).forEach((row, index) => {
        const item = el("li", row.label, "suggestion");
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", String(index === 0));
        item.addEventListener("mousedown", (e) => { e.preventDefault(); pick(row, found); });
        item.entraide = { row, found };
        suggestions.append(item);
      });
      suggestions.hidden = rows.length === 0;
    }

    function closeSuggestions() {
      suggestions.hidden = true;
      suggestions.replaceChildren();
    }

    function move(step) {
      const items = [...suggestions.children];
      const at = items.findIndex((i) => i.getAttribute("aria-selected") === "true");
      const next = (at + step + items.length) % items.length;
      items.forEach((i, n) => i.setAttribute("aria-selected", String(n === next)));
    }

    async function pick(row, found) {
      let insert;
      if (found.kind === "canned") {
        const response = await fetch("/api/v1/canned-responses/" + row.value.id +
          "/rendered?conversation_id=" + conversation.id, { credentials: "same-origin" });
        if (!response.ok) return closeSuggestions();
        insert = (await response.json()).text;
      } else {
        insert = "@" + row.value.name + " ";
        state.mentions.set(row.value.id, row.value.name);
      }
      const end = text.selectionStart;
      text.value = text.value.slice(0, found.start) + insert + text.value.slice(end);
      const caret = found.start + insert.length;
      text.setSelectionRange(caret, caret);
      closeSuggestions();
      save();
      count();
      return text.focus();
    }

    function typing() {
      if (state.mode !== "reply" || Date.now() - state.lastTyping < 2000) return;
      state.lastTyping = Date.now();
      window.Entraide.socket.emit("typing", { conversation_id: conversation.id });
    }

    async function submit() {
      const body = text.value.trim();
      if (!body || send.disabled) return;
      error.textContent = "";
      const note = state.mode === "note";
      const url = "/api/v1/conversations/" + conversation.id + (note ? "/notes" : "/replies");
      const mentions = [...state.mentions].filter(([, name]) => body.includes("@" + name))
        .map(([id]) => id);
      const payload = note ? { body, mentions }
        : { body, channel: state.channel, ...email.payload() };
      const response = await post(url, payload);
      const answer = await response.json().catch(() => null);
      if (!response.ok) { error.textContent = errorText(answer); return; }
      (note ? hooks.onNote : hooks.onSent)(answer);
      text.value = "";
      if (note) state.mentions.clear(); else email.reset();
      save();
      hint.textContent = T.cannedHint;
      count();
    }

    text.addEventListener("input", () => { save(); count(); suggest(); typing(); });
    text.addEventListener("keydown", (e) => {
      const open = !suggestions.hidden;
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); submit(); return; }
      if (!open) return;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault(); move(e.key === "ArrowDown" ? 1 : -1);
      } else if (e.key === "Enter" || e.key === "Tab") {
        const chosen = suggestions.querySelector("[aria-selected=true]");
        if (chosen) { e.preventDefault(); pick(chosen.entraide.row, chosen.entraide.found); }
      } else if (e.key === "Escape") {
        e.preventDefault(); closeSuggestions();
      }
    });
    text.addEventListener("blur", () => setTimeout(closeSuggestions, 150));
    channel.addEventListener("change", () => { state.channel = channel.value; save(); count(); });
    replyMode.addEventListener("click", () => setMode("reply"));
    noteMode.addEventListener("click", () => setMode("note"));
    form.addEventListener("submit", (e) => { e.preventDefault(); submit(); });
    setMode("reply");
    loadChannels();
    return form;
  }

  function loadDraft(key) {
    const raw = localStorage.getItem(key);
    if (!raw) return { reply: "", note: "", channel: "" };
    try {
      const parsed = JSON.parse(raw);
      return { reply: String(parsed.reply || ""), note: String(parsed.note || ""),
        channel: String(parsed.channel || "") };
    } catch (_err) {
      return { reply: raw, note: "", channel: "" }; // an older plain-text draft
    }
  }

  window.EntraideComposer = { build };
})();
