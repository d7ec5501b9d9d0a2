// The customer panel: profile (VIP, tags, preferred channel, consent; saved with PATCH),
// identities, account history (or "Account data unavailable"), merge suggestions to accept
// or reject, the customer's open incidents, and the linked forum member's activity. Exposes window.EntraideCustomer.show(id).
(function () {
  "use strict";
  const pane = document.getElementById("customer-pane");
  const T = pane.dataset;
  const card = document.getElementById("customer-card");
  const KINDS = ["phone", "sms", "email", "chat", "social", "forum"];
  let shown = null;

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  async function call(method, url, body) {
    const response = await fetch(url, {
      method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": window.Entraide.csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { ok: response.ok, body: await response.json().catch(() => null) };
  }

  function errorsOf(body) {
    const errors = (body && body.errors) || {};
    return T.error + " " + Object.entries(errors.json || errors)
      .map(([field, messages]) => field + " : " + JSON.stringify(messages)).join(" · ");
  }

  function section(title, cls) {
    const box = el("section", null, cls);
    box.append(el("h4", title));
    return box;
  }

  async function show(customerId) {
    if (shown === customerId) return;
    shown = customerId;
    const answer = await call("GET", "/api/v1/customers/" + customerId);
    if (!answer.ok || shown !== customerId) return;
    const customer = answer.body;
    card.replaceChildren();
    card.dataset.customerId = customerId;
    const title = el("h3", customer.name, "customer-name");
    if (customer.vip) title.append(el("span", T.vip, "vip-badge"));
    card.append(title, profileForm(customer), identities(customer), account(customer.account));
    card.append(await incidents(customerId), await suggestions(customerId), await forum(customerId));
  }

  // Open incidents: linked to one of the customer's conversations, or matched to a question
  // the customer asked on the forum. Refreshed on "incidents.changed".
  async function incidents(customerId) {
    const box = section(T.incidents, "incidents");
    const answer = await call("GET", "/api/v1/customers/" + customerId + "/incidents");
    if (!answer.ok || !answer.body.length) {
      box.append(el("p", T.noIncident, "muted"));
      return box;
    }
    const list = el("ul");
    answer.body.forEach((incident) => {
      const item = el("li", incident.title, "incident");
      item.dataset.incidentId = incident.id;
      const via = [];
      if (incident.conversation_ids.length) via.push(T.viaConversation + " #" +
        incident.conversation_ids.join(", #"));
      if (incident.topic_ids.length) via.push(T.viaForum);
      item.append(el("span", " · " + via.join(" · "), "muted"));
      list.append(item);
    });
    box.append(list);
    return box;
  }

  async function refreshIncidents(data) {
    if (shown !== data.customer_id) return;
    const old = card.querySelector("section.incidents");
    const fresh = await incidents(data.customer_id);
    if (old && shown === data.customer_id) old.replaceWith(fresh);
  }

  function profileForm(customer) {
    const form = el("form", null, "profile");
    const vip = checkbox(T.vip, customer.vip, "vip");
    const sms = checkbox(T.consentSms, customer.consent_sms, "consent-sms");
    const email = checkbox(T.consentEmail, customer.consent_email, "consent-email");
    const tagsLabel = el("label", T.tags + " ");
    const tags = el("input");
    tags.value = customer.tags.join(", ");
    tags.name = "tags";
    tagsLabel.append(tags);
    const preferredLabel = el("label", T.preferred + " ");
    const preferred = el("select");
    preferred.name = "preferred_channel";
    [""].concat(KINDS).forEach((kind) => {
      const item = el("option", kind || T.none);
      item.value = kind;
      preferred.append(item);
    });
    preferred.value = customer.preferred_channel || "";
    preferredLabel.append(preferred);
    const save = el("button", T.save);
    save.type = "submit";
    const result = el("p", null, "result");
    result.setAttribute("role", "status");
    form.append(vip.label, sms.label, email.label, tagsLabel, preferredLabel, save, result);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const changes = {
        vip_level: vip.input.checked ? Math.max(customer.vip_level, 1) : 0,
        consent_sms: sms.input.checked, consent_email: email.input.checked,
        tags: tags.value.split(",").map((t) => t.trim()).filter(Boolean),
        preferred_channel: preferred.value || null,
      };
      const answer = await call("PATCH", "/api/v1/customers/" + customer.id, changes);
      result.textContent = answer.ok ? T.saved : errorsOf(answer.body);
      if (answer.ok) Object.assign(customer, answer.body);
    });
    return form;
  }

  function checkbox(text, checked, name) {
    const label = el("label", null, "check");
    const input = el("input");
    input.type = "checkbox";
    input.name = name;
    input.checked = Boolean(checked);
    label.append(input, el("span", " " + text));
    return { label, input };
  }

  function identities(customer) {
    const box = section(T.identities, "identities");
    const list = el("ul");
    customer.identities.forEach((i) => list.append(el("li", i.kind + " : " + i.address)));
    box.append(list);
    return box;
  }

  function rows(title, items, format) {
    const box = section(title, "account-section");
    const list = el("ul");
    (items || []).forEach((item) => list.append(el("li", format(item))));
    box.append(list);
    return box;
  }

  function account(summary) {
    const box = section(T.account, "account");
    if (!summary || !summary.available) {
      box.append(el("p", T.accountUnavailable, "unavailable"));
      return box;
    }
    box.append(
      rows(T.plans, summary.subscriptions, (s) => s.plan + " · " + s.monthly_price + " € · " + s.status),
      rows(T.invoices, summary.invoices, (i) => i.number + " · " + i.amount + " € · " + i.status + " · " + i.issued_on),
      rows(T.orders, summary.orders, (o) => o.number + " · " + o.item + " · " + o.status +
        (o.tracking ? " · " + o.tracking : "")),
      rows(T.devices, summary.devices, (d) => d.model + " · " + d.imei),
      rows(T.cases, summary.cases, (c) => c.reference + " · " + c.subject + " · " + c.status),
    );
    return box;
  }

  async function suggestions(customerId) {
    const box = section(T.suggestions, "suggestions-panel");
    const answer = await call("GET", "/api/v1/customers/" + customerId + "/merge-suggestions");
    const list = el("ul");
    (answer.ok ? answer.body : []).forEach((s) => list.append(suggestion(customerId, s)));
    box.append(list);
    box.hidden = list.children.length === 0;
    return box;
  }

  function suggestion(customerId, s) {
    const item = el("li", null, "merge-suggestion");
    item.append(el("span", s.other_name + " (#" + s.other_id + ") · " + s.evidence));
    const reasonLabel = el("label", T.reason + " ");
    const reason = el("input");
    reasonLabel.append(reason);
    const accept = el("button", T.acceptMerge);
    const reject = el("button", T.rejectMerge);
    const result = el("span", null, "result");
    result.setAttribute("role", "status");
    [accept, reject].forEach((b) => { b.type = "button"; });
    accept.addEventListener("click", async () => {
      const answer = await call("POST", "/api/v1/customers/" + customerId + "/merge",
        { other_id: s.other_id, reason: reason.value });
      result.textContent = answer.ok ? T.merged : errorsOf(answer.body);
      if (answer.ok) { shown = null; show(customerId); }
    });
    reject.addEventListener("click", async () => {
      const answer = await call("POST", "/api/v1/customers/" + customerId +
        "/merge-suggestions/" + s.id + "/reject", { reason: reason.value });
      result.textContent = answer.ok ? T.rejected : errorsOf(answer.body);
      if (answer.ok) { accept.disabled = true; reject.disabled = true; }
    });
    item.append(reasonLabel, accept, reject, result);
    return item;
  }

  async function forum(customerId) {
    const box = section(T.forum, "forum-activity");
    const answer = await call("GET", "/api/v1/customers/" + customerId + "/forum-activity");
    if (!answer.ok || !answer.body.member) {
      box.append(el("p", T.noForum, "muted"));
      return box;
    }
    const activity = answer.body;
    box.append(el("p", activity.member.pseudonym + " · " + activity.member.reputation));
    const topics = el("ul");
    activity.topics.forEach((t) => {
      const item = el("li");
      const link = el("a", t.title);
      link.href = t.url;
      link.target = "_blank";
      link.rel = "noopener";
      item.append(link);
      topics.append(item);
    });
    const posts = el("ul");
    activity.posts.forEach((p) => posts.append(el("li", p.topic_title + " : " + p.excerpt)));
    box.append(el("h5", T.topics), topics, el("h5", T.posts), posts);
    return box;
  }

  window.EntraideCustomer = { show };
  window.Entraide.on("incidents.changed", refreshIncidents);
  // The screen pop of a call (offers.js): the caller's record opens before pick-up.
  document.addEventListener("entraide:open-customer", (e) => show(e.detail.customerId));
})();
