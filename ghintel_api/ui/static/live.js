// Live overview: when the server has SSE streams (data-streams on <body>), each message re-renders
// the overview's sections from the server (debounced). Without streams this script is not loaded.
(function () {
  "use strict";
  var status = document.getElementById("live-status");
  var paths = (document.body.dataset.streams || "").split(" ").filter(Boolean);
  if (!status || !paths.length || !window.EventSource) { return; }
  var sections = ["freshness", "trending", "newest-anomalies", "coverage"];
  var timer = null;
  function refresh() {
    timer = null;
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        sections.forEach(function (id) {
          var fresh = doc.getElementById(id), old = document.getElementById(id);
          if (fresh && old) { old.replaceWith(fresh); }
        });
        status.textContent = "Live updates: refreshed " + new Date().toISOString().slice(11, 19) + " UTC";
      })
      .catch(function () { status.textContent = "Live updates: refresh failed, will retry on the next event"; });
  }
  paths.forEach(function (path) {
    var source = new EventSource(path);
    var schedule = function () { if (!timer) { timer = setTimeout(refresh, 2000); } };
    // the server's first message, "open", says whether its reader follows the topic yet; the HTTP
    // connection alone (onopen) comes before that, also while the broker is unreachable
    source.addEventListener("open", function (e) {
      var connected = false;
      try { connected = JSON.parse(e.data).connected === true; } catch (err) { connected = false; }
      status.textContent = connected ? "Live updates: on" : "Live updates: waiting for the broker";
    });
    // the streams name their messages: "event" (/stream/events), "anomaly" (/stream/anomalies)
    ["message", "event", "anomaly"].forEach(function (name) { source.addEventListener(name, schedule); });
    source.addEventListener("dropped", function () {
      status.textContent = "Live updates: the server dropped this page's stream (too slow); reload to resume";
      source.close();
    });
    source.onerror = function () {
      if (source.readyState === EventSource.CLOSED) { status.textContent = "Live updates: stream closed"; }
    };
  });
})();
