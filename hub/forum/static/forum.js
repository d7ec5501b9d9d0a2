// Similar solved questions while the asker types a title (GET /forum/similar?q=).
// Text from the server is inserted with textContent only; a click is recorded for
// deflection metrics (POST with the CSRF token) before following the link.
(function () {
  "use strict";
  var title = document.getElementById("title");
  var box = document.getElementById("similar");
  var list = document.getElementById("similar-list");
  if (!title || !box || !list || !title.dataset.similarUrl) { return; }
  var csrf = document.querySelector('meta[name="csrf-token"]');
  var timer = null;
  var lastQuery = "";
  var generation = 0;

  function show(results, query) {
    list.replaceChildren();
    results.forEach(function (r) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = r.url;
      link.textContent = r.title;
      link.className = "similar-link";
      link.addEventListener("click", function () { record(r.id, query); });
      item.appendChild(link);
      list.appendChild(item);
    });
    box.hidden = results.length === 0;
  }

  function record(topicId, query) {
    fetch(title.dataset.clickUrl, {
      method: "POST", keepalive: true, credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf ? csrf.content : ""},
      body: JSON.stringify({topic_id: topicId, q: query})
    }).catch(function () {});
  }

  function lookup() {
    var query = title.value.trim();
    if (query === lastQuery) { return; }
    lastQuery = query;
    var mine = ++generation;
    if (query.length < 3) { show([], query); return; }
    fetch(title.dataset.similarUrl + "?q=" + encodeURIComponent(query),
          {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : {results: []}; })
      .then(function (data) { if (mine === generation) { show(data.results || [], query); } })
      .catch(function () {});
  }

  title.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(lookup, 250);
  });
  lookup();
})();
