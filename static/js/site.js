// Term previews: hovering or focusing a link to a term shows its one-sentence summary,
// which the page already carries in data-summary (no request per link). One tooltip element
// serves every link; the link points at it with aria-describedby while it is shown, and
// Escape hides it (WCAG 1.4.13).
(function () {
  "use strict";
  var tip = null;
  var current = null;

  function ensureTip() {
    if (!tip) {
      tip = document.createElement("div");
      tip.id = "term-preview";
      tip.className = "term-preview";
      tip.setAttribute("role", "tooltip");
      tip.hidden = true;
      document.body.appendChild(tip);
    }
    return tip;
  }

  function show(link) {
    var summary = link.getAttribute("data-summary");
    if (!summary) return;
    var el = ensureTip();
    el.textContent = summary;
    el.hidden = false;
    var rect = link.getBoundingClientRect();
    var top = window.scrollY + rect.bottom + 6;
    var left = window.scrollX + rect.left;
    var maxLeft = window.scrollX + document.documentElement.clientWidth - el.offsetWidth - 8;
    el.style.top = top + "px";
    el.style.left = Math.max(8, Math.min(left, maxLeft)) + "px";
    link.setAttribute("aria-describedby", "term-preview");
    current = link;
  }

  function hide() {
    if (!tip || !current) return;
    tip.hidden = true;
    current.removeAttribute("aria-describedby");
    current = null;
  }

  function termLink(target) {
    return target && target.closest ? target.closest("a[data-summary]") : null;
  }

  document.addEventListener("mouseover", function (event) {
    var link = termLink(event.target);
    if (link && link !== current) show(link);
    else if (!link && current && document.activeElement !== current) hide();
  });
  document.addEventListener("focusin", function (event) {
    var link = termLink(event.target);
    if (link) show(link);
  });
  document.addEventListener("focusout", hide);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") hide();
  });
})();

// Panels that start closed so a phone shows what matters first (the search page's facets)
// open where the screen is wide enough for them to sit beside it: data-open-from="40rem".
(function () {
  "use strict";
  var panels = document.querySelectorAll("details[data-open-from]");
  for (var i = 0; i < panels.length; i++) {
    var width = panels[i].getAttribute("data-open-from");
    if (window.matchMedia("(min-width: " + width + ")").matches) panels[i].open = true;
  }
})();
