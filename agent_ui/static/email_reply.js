// The email part of the composer (composer.js asks for it): the subject ("Re: …",
// editable, kept as a draft) and the previous message quoted below the reply (a toggle,
// on by default, with a preview). Shown only while the reply goes out by email. The hub
// sends {subject, quote_id} with the reply; the mail carries them with In-Reply-To and
// References. Exposes window.EntraideEmailReply.attach(form, conversation, before).
(function () {
  "use strict";
  const T = document.getElementById("conversation-pane").dataset;

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  function defaultSubject(subject) {
    const text = (subject || "").trim();
    if (!text) return "";
    return /^re\s*:/i.test(text) ? text : "Re: " + text;
  }

  function attach(form, conversation, before) {
    const key = "entraide.subject." + conversation.id;
    const box = el("div", null, "email-reply");
    const subjectLabel = el("label", T.subject + " ", "subject");
    const subject = el("input");
    subject.maxLength = 300;
    subject.value = localStorage.getItem(key) || defaultSubject(conversation.subject);
    subjectLabel.append(subject);
    const toggleLabel = el("label", null, "quote-toggle");
    const toggle = el("input");
    toggle.type = "checkbox";
    toggle.checked = true;
    toggleLabel.append(toggle, " " + T.quoteToggle);
    const preview = el("blockquote", null, "quote-preview");
    box.append(subjectLabel, toggleLabel, preview);
    form.insertBefore(box, before);
    let quoted = null;

    function setQuoted(item) {
      quoted = item;
      toggleLabel.hidden = !item;
      preview.textContent = item ? item.body.split("\n").map((l) => "> " + l).join("\n") : "";
      preview.hidden = !item || !toggle.checked;
    }
    const inbound = (conversation.items || []).filter((i) => i.direction === "inbound");
    setQuoted(inbound.length ? inbound[inbound.length - 1] : null);
    window.Entraide.on("message.created", (item) => {
      if (item.conversation_id === conversation.id && item.direction === "inbound") setQuoted(item);
    });
    toggle.addEventListener("change", () => { preview.hidden = !quoted || !toggle.checked; });
    subject.addEventListener("input", () => {
      if (subject.value === defaultSubject(conversation.subject)) localStorage.removeItem(key);
      else localStorage.setItem(key, subject.value);
    });

    return {
      show(on) { box.hidden = !on; },
      payload() {
        if (box.hidden) return {};
        const extra = {};
        if (subject.value.trim()) extra.subject = subject.value.trim();
        if (quoted && toggle.checked) extra.quote_id = quoted.id;
        return extra;
      },
      reset() {
        localStorage.removeItem(key);
        subject.value = defaultSubject(conversation.subject);
      },
    };
  }

  window.EntraideEmailReply = { attach };
})();
