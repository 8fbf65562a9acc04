// The ask box: POST /ask {question} and show the answer, its claims, each citation as the row it came
// from, or the abstention with its reason. Built with textContent only (answers are data, not HTML).
(function () {
  "use strict";
  var form = document.getElementById("ask-form");
  var out = document.getElementById("ask-result");
  if (!form) { return; }
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (cls) { node.className = cls; }
    return node;
  }
  function rowTable(values) {
    var table = el("table"), body = el("tbody");
    Object.keys(values || {}).forEach(function (k) {
      var tr = el("tr");
      tr.appendChild(el("th", k)).setAttribute("scope", "row");
      tr.appendChild(el("td", values[k] === null ? "null" : values[k]));
      body.appendChild(tr);
    });
    table.appendChild(body);
    return table;
  }
  function render(a) {
    out.replaceChildren();
    if (a.abstained) {
      out.appendChild(el("h2", "No answer"));
      out.appendChild(el("p", "The service abstained: " + (a.reason || "no reason given"), "abstained"));
    } else {
      out.appendChild(el("h2", "Answer"));
      out.appendChild(el("p", a.answer, "answer"));
    }
    if (a.claims && a.claims.length) {
      out.appendChild(el("h3", "Claims"));
      var list = el("ol");
      a.claims.forEach(function (c) {
        var li = el("li", c.text + " ");
        (c.citations || []).forEach(function (id) {
          var link = el("a", "[" + id + "]");
          link.href = "#cite-" + id;
          li.appendChild(link);
        });
        list.appendChild(li);
      });
      out.appendChild(list);
    }
    if (a.citations && a.citations.length) {
      out.appendChild(el("h3", "Citations (the rows)"));
      a.citations.forEach(function (c) {
        var box = el("section", null, "citation");
        box.id = "cite-" + c.id;
        box.appendChild(el("h4", "[" + c.id + "] " + c.table + " " + JSON.stringify(c.key) +
          " (Delta version " + c.delta_version + ")"));
        box.appendChild(rowTable(c.values));
        out.appendChild(box);
      });
    }
    if (a.coverage && a.coverage.status) {
      out.appendChild(el("p", "Coverage of the data behind it: " + a.coverage.status +
        (a.coverage.star_status ? " (stars: " + a.coverage.star_status + ")" : ""), "coverage"));
    }
    if (a.model) { out.appendChild(el("p", "Model: " + a.model, "note")); }
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (form.dataset.available !== "yes") {
      out.replaceChildren(el("p", "Not sent: the ask service (POST /ask) is not available on this server yet.", "error"));
      return;
    }
    var question = document.getElementById("question").value;
    out.replaceChildren(el("p", "Asking…"));
    fetch("/ask", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ question: question })
    }).then(function (r) {
      if (r.status === 404) { throw new Error("The ask service (POST /ask) is not available on this server."); }
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error(body.message || ("HTTP " + r.status)); }
        return body;
      });
    }).then(render).catch(function (err) {
      out.replaceChildren(el("p", err.message, "error"));
    });
  });
})();
