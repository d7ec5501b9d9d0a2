// Entraide web chat: the widget a brand embeds on its site (docs/channels/webchat.md).
//   <script src="https://HUB/chat/static/widget.js" data-account="site" defer></script>
// Optional: data-lang="fr|en" (else the page's lang, else the browser's), and for a
// signed-in customer data-brand="…" data-identity-token="…" (docs/identity.md).
// No inline code, no framework; text is always inserted with textContent.
(function () {
  "use strict";
  const script = document.currentScript;
  if (!script || window.EntraideChat) return;
  const hub = new URL(script.src).origin;
  const config = script.dataset;
  const account = config.account || "site";
  const storeKey = "entraide.chat." + account;
  const base = hub + "/chat/" + encodeURIComponent(account);
  const HEADER = "X-Entraide-Session";
  const state = { session: null, visitorId: "", socket: null, keys: new Set(), T: {},
    lastTyping: 0, typingTimer: null, opening: null };
  const ui = {};

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  function stored() {
    try { return JSON.parse(localStorage.getItem(storeKey) || "{}"); } catch (_e) { return {}; }
  }

  function store(patch) {
    localStorage.setItem(storeKey, JSON.stringify(Object.assign(stored(), patch)));
  }

  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const tag = document.createElement("script");
      tag.src = src;
      tag.onload = resolve;
      tag.onerror = reject;
      document.head.append(tag);
    });
  }

  function build() {
    const css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = hub + "/chat/static/widget.css";
    document.head.append(css);
    const T = state.T;
    ui.root = el("div", "entraide-chat");
    ui.launcher = el("button", "entraide-chat-launcher", T.open);
    ui.launcher.type = "button";
    ui.panel = el("section", "entraide-chat-panel");
    ui.panel.setAttribute("aria-label", T.title);
    ui.panel.hidden = true;
    const header = el("header", "entraide-chat-header");
    header.append(el("h2", "entraide-chat-title", T.title));
    ui.close = el("button", "entraide-chat-close", "×");
    ui.close.type = "button";
    ui.close.setAttribute("aria-label", T.close);
    header.append(ui.close);
    ui.log = el("ol", "entraide-chat-log");
    ui.log.setAttribute("role", "log");
    ui.log.setAttribute("aria-live", "polite");
    ui.log.setAttribute("aria-label", T.messages);
    ui.welcome = el("p", "entraide-chat-welcome", T.welcome);
    ui.typing = el("p", "entraide-chat-typing", T.typing);
    ui.typing.hidden = true;
    ui.status = el("p", "entraide-chat-status");
    ui.status.setAttribute("role", "status");
    ui.form = el("form", "entraide-chat-form");
    ui.text = el("textarea", "entraide-chat-text");
    ui.text.placeholder = T.placeholder;
    ui.text.setAttribute("aria-label", T.placeholder);
    ui.text.maxLength = 4000;
    ui.text.rows = 2;
    ui.send = el("button", "entraide-chat-send", T.send);
    ui.send.type = "submit";
    ui.form.append(ui.text, ui.send);
    ui.panel.append(header, ui.welcome, ui.log, ui.typing, ui.status, ui.form);
    ui.root.append(ui.launcher, ui.panel);
    document.body.append(ui.root);
    ui.launcher.addEventListener("click", () => open());
    ui.close.addEventListener("click", () => close());
    ui.form.addEventListener("submit", (e) => { e.preventDefault(); submit(); });
    ui.text.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); submit(); }
    });
    ui.text.addEventListener("input", typing);
  }

  async function strings() {
    const lang = config.lang || document.documentElement.lang || "";
    const response = await fetch(base + "/strings?lang=" + encodeURIComponent(lang));
    state.T = (await response.json()).strings;
  }

  async function openSession() {
    const body = { session: stored().session || "", brand: config.brand || "",
      identity_token: config.identityToken || "" };
    let response = await postJson(base + "/session", body);
    if (response.status === 403 && body.session) { // expired or foreign: start afresh
      store({ session: "" });
      response = await postJson(base + "/session", Object.assign(body, { session: "" }));
    }
    if (!response.ok) throw new Error("session refused: " + response.status);
    const answer = await response.json();
    state.session = answer.session;
    state.visitorId = answer.visitor_id;
    store({ session: answer.session });
  }

  function postJson(url, body, headers) {
    return fetch(url, { method: "POST", body: JSON.stringify(body),
      headers: Object.assign({ "Content-Type": "application/json" }, headers || {}) });
  }

  async function history() {
    const response = await fetch(base + "/history", { headers: { [HEADER]: state.session } });
    if (!response.ok) return;
    const answer = await response.json();
    // Merged by key, never replaced: a message being sent is not in the history yet.
    answer.messages.forEach(show);
  }

  function show(message) {
    if (state.keys.has(message.key)) return null;
    state.keys.add(message.key);
    const item = el("li", "entraide-chat-message " + message.direction);
    item.dataset.key = message.key;
    const author = message.direction === "inbound" ? state.T.you : state.T.advisor;
    item.append(el("span", "entraide-chat-author", author), el("p", "entraide-chat-body",
      message.body));
    ui.log.append(item);
    ui.log.scrollTop = ui.log.scrollHeight;
    if (message.direction === "outbound") ui.typing.hidden = true;
    return item;
  }

  function connect() {
    const socket = window.io(hub + "/visitor", { auth: { account, session: state.session },
      transports: ["websocket", "polling"] });
    state.socket = socket;
    socket.on("connect", () => { ui.status.textContent = ""; history(); });
    socket.on("disconnect", () => { ui.status.textContent = state.T.offline; });
    socket.on("connect_error", () => { ui.status.textContent = state.T.offline; });
    socket.on("message", (message) => show(message));
    socket.on("typing", () => {
      ui.typing.hidden = false;
      clearTimeout(state.typingTimer);
      state.typingTimer = setTimeout(() => { ui.typing.hidden = true; }, 5000);
    });
  }

  function open() {
    ui.panel.hidden = false;
    ui.launcher.hidden = true;
    store({ open: true });
    ui.text.focus();
    if (!state.opening) {
      state.opening = openSession().then(() => history()).then(connect).catch(() => {
        state.opening = null;
        ui.status.textContent = state.T.failed;
      });
    }
    return state.opening;
  }

  function close() {
    ui.panel.hidden = true;
    ui.launcher.hidden = false;
    store({ open: false });
    ui.launcher.focus();
  }

  function newId() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function submit() {
    const body = ui.text.value.trim();
    if (!body) return;
    if (!state.session) await open(); // still opening: send once the session is there
    if (!state.session) { ui.status.textContent = state.T.failed; return; }
    const id = newId();
    const item = show({ key: state.visitorId + ":" + id, direction: "inbound", body });
    item.classList.add("pending");
    ui.text.value = "";
    ui.status.textContent = "";
    try {
      const response = await postJson(hub + "/hooks/webchat/" + encodeURIComponent(account),
        { id, body }, { [HEADER]: state.session });
      if (!response.ok) throw new Error(String(response.status));
      item.classList.remove("pending");
    } catch (error) {
      item.classList.add("failed");
      ui.status.textContent = error.message === "429" ? state.T.tooFast : state.T.failed;
      ui.text.value = body;
    }
  }

  function typing() {
    if (!state.socket || Date.now() - state.lastTyping < 2000) return;
    state.lastTyping = Date.now();
    state.socket.emit("typing", {});
  }

  async function start() {
    await strings();
    if (!window.io) await loadScript(hub + "/chat/static/vendor/socket.io.min.js");
    build();
    window.EntraideChat = { open, close };
    if (stored().open) open();
  }

  start();
})();
