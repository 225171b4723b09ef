// The comparison filter, as you type: rows that match come first, best match first, with
// the match marked, and the answer line names the service's counterparts on the other
// clouds. The same rules as the server's filter (TermQuerySet.best_match_first), which
// answers the form without this script.
(function () {
  "use strict";
  var input = document.getElementById("id_q");
  var table = document.querySelector("table.matrix");
  if (!input || !table) return;
  var answer = document.getElementById("compare-answer");
  var count = table.querySelector(".matrix-count");
  var empty = document.querySelector(".compare-empty");
  // Every row is on the page, in its category's tbody or (matching the query the page
  // was asked for) in the matches' tbody; data-order is its place in the whole matrix.
  var rows = Array.prototype.slice.call(table.querySelectorAll("tr.term-row"));
  rows.sort(function (a, b) { return a.getAttribute("data-order") - b.getAttribute("data-order"); });
  var groups = Array.prototype.slice.call(table.querySelectorAll("tbody[data-group]"));
  var homes = rows.map(function (row) {
    return table.querySelector("tbody[data-group='" + row.getAttribute("data-group") + "']");
  });
  var markable = table.querySelectorAll(".term-row > th a, .service-link, .note-text");
  var matches = table.querySelector("tbody.matches");

  Array.prototype.forEach.call(markable, function (el) {
    el.setAttribute("data-text", el.textContent);
  });

  function fold(text) { return (text || "").toLocaleLowerCase(); }
  function text(el) { return el ? el.getAttribute("data-text") : ""; }
  function lines(el, name) { return fold(el.getAttribute(name)).split("\n").filter(Boolean); }
  function holding(list, q) { return list.some(function (item) { return item.indexOf(q) >= 0; }); }

  // `q` as a whole word: ASCII letters and digits delimit words, as on the server.
  function asWord(q, first) {
    var escaped = q.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return new RegExp((first ? "^" : "(^|[^a-z0-9])") + escaped + "([^a-z0-9]|$)");
  }

  // How well `q` names one service (lower is better), or null.
  function serviceQuality(service, q, word) {
    var name = fold(text(service.querySelector(".service-link")));
    var note = fold(text(service.querySelector(".note-text")));
    var former = lines(service, "data-former");
    if (name === q) return note.indexOf(" ") < 0 ? 0 : 1;
    if (former.indexOf(q) >= 0 || asWord(q, true).test(note)) return 1;
    if (name.indexOf(q) >= 0 || word.test(note)) return 2;
    if (note.indexOf(q) >= 0 || holding(former, q)) return 3;
    return null;
  }

  // How well `q` names a row: its best service, or the term's own name or an alias.
  function rowQuality(row, q) {
    var best = null;
    function consider(value) { if (value !== null && (best === null || value < best)) best = value; }
    var name = fold(text(row.querySelector("th a")));
    var aliases = lines(row, "data-aliases");
    var word = asWord(q);
    if (name === q || aliases.indexOf(q) >= 0) consider(1);
    else if (name.indexOf(q) >= 0 || aliases.some(function (a) { return word.test(a); })) consider(2);
    else if (holding(aliases, q)) consider(3);
    row.querySelectorAll(".service").forEach(function (service) {
      consider(serviceQuality(service, q, word));
    });
    return best;
  }

  function mark(el, q) {
    var plain = el.getAttribute("data-text");
    el.textContent = "";
    if (!q) { el.textContent = plain; return; }
    var lower = fold(plain);
    var at = 0;
    var found;
    while ((found = lower.indexOf(q, at)) >= 0) {
      el.appendChild(document.createTextNode(plain.slice(at, found)));
      var m = document.createElement("mark");
      m.textContent = plain.slice(found, found + q.length);
      el.appendChild(m);
      at = found + q.length;
    }
    el.appendChild(document.createTextNode(plain.slice(at)));
  }

  function link(service, provider) {
    var source = service.querySelector(".service-link");
    var a = document.createElement("a");
    a.href = source.getAttribute("href");
    a.setAttribute("data-text", text(source));
    a.textContent = text(source);
    var who = document.createElement("span");
    who.className = "provider-name";
    who.textContent = "(" + provider + ")";
    return [a, document.createTextNode(" "), who];
  }

  function append(parent, nodes) { nodes.forEach(function (node) { parent.appendChild(node); }); }

  // "Amazon S3 (AWS) → Azure Blob Storage (Azure) · Cloud Storage (GCP) · …"
  function showAnswer(row, q) {
    answer.textContent = "";
    if (!row) return;
    var best = null;
    var bestQuality = null;
    var word = asWord(q);
    row.querySelectorAll(".service").forEach(function (service) {
      var quality = serviceQuality(service, q, word);
      if (quality !== null && (bestQuality === null || quality < bestQuality)) {
        best = service;
        bestQuality = quality;
      }
    });
    if (!best) return;
    var cell = best.closest("td");
    var parts = link(best, cell.getAttribute("data-provider"));
    mark(parts[0], q);
    append(answer, parts);
    var arrow = document.createElement("span");
    arrow.setAttribute("aria-hidden", "true");
    arrow.textContent = " → ";
    var said = document.createElement("span");
    said.className = "visually-hidden";
    said.textContent = " is called ";
    append(answer, [arrow, said]);
    var first = true;
    row.querySelectorAll("td").forEach(function (td) {
      var service = td.querySelector(".service");
      if (td === cell || !service) return;
      if (!first) {
        var dot = document.createElement("span");
        dot.setAttribute("aria-hidden", "true");
        dot.textContent = " · ";
        append(answer, [dot]);
      }
      append(answer, link(service, td.getAttribute("data-provider")));
      first = false;
    });
  }

  function apply() {
    var q = fold(input.value.trim());
    var shown = [];
    rows.forEach(function (row, i) {
      var quality = q ? rowQuality(row, q) : 0;
      row.hidden = quality === null;
      if (quality !== null) shown.push({ row: row, quality: quality, name: fold(text(row.querySelector("th a"))), i: i });
    });
    Array.prototype.forEach.call(markable, function (el) { mark(el, q); });
    if (q) {
      if (!matches) {
        matches = document.createElement("tbody");
        table.insertBefore(matches, table.tBodies[0] || null);
      }
      shown.sort(function (a, b) {
        return a.quality - b.quality || a.name.localeCompare(b.name) || a.i - b.i;
      });
      shown.forEach(function (item) { matches.appendChild(item.row); });
      groups.forEach(function (group) { group.hidden = true; });
    } else {
      rows.forEach(function (row, i) { homes[i].appendChild(row); });
      groups.forEach(function (group) { group.hidden = false; });
      if (matches) { matches.remove(); matches = null; }
    }
    count.textContent = shown.length + (shown.length === 1 ? " term" : " terms") + (q ? ", best match first" : "");
    empty.hidden = shown.length > 0;
    table.closest(".matrix-scroll").hidden = shown.length === 0;
    showAnswer(q && shown.length ? shown[0].row : null, q);
    var params = new URLSearchParams(window.location.search);
    if (q) params.set("q", input.value.trim()); else params.delete("q");
    var search = params.toString();
    history.replaceState(null, "", window.location.pathname + (search ? "?" + search : ""));
  }

  input.addEventListener("input", apply);
})();
