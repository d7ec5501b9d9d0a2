// Keyboard shortcuts (listed in the help dialog, "?"). Never while typing in a field,
// except Escape. Lists: j / k / Enter / 1 2 3 / "/"; offers: a / d; work: t h c i;
// r goes to the reply box of the open conversation, l back to the list.
(function () {
  "use strict";
  const E = window.Entraide;
  const help = document.getElementById("help");

  function typing(target) {
    return target instanceof HTMLElement &&
      (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
  }

  function replyBox() {
    const open = E.current();
    const pane = document.getElementById("conversation-pane");
    if (!pane) return null;
    const box = open && document.getElementById("conversation-" + open.conversationId);
    return (box || pane).querySelector("textarea");
  }

  const keys = {
    "?": () => help.showModal(),
    j: () => E.lists.next(),
    k: () => E.lists.previous(),
    1: () => E.lists.setView("mine"),
    2: () => E.lists.setView("queues"),
    3: () => E.lists.setView("all"),
    "/": () => document.getElementById("search").focus(),
    a: () => E.answerOldestOffer("accept"),
    d: () => E.answerOldestOffer("decline"),
    t: () => E.actions.openBox("transfer-box"),
    c: () => E.actions.openBox("close-box"),
    i: () => E.actions.openBox("incident-box"),
    h: () => E.actions.toggleHold(),
    l: () => E.lists.focus(),
    r: () => { const box = replyBox(); if (box) box.focus(); },
  };

  document.getElementById("help-open").addEventListener("click", () => help.showModal());
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target) || help.open) return;
    const run = keys[e.key];
    if (!run) return;
    e.preventDefault();
    run();
  });
})();
