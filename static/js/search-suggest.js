// Autocomplete for the header search box (ARIA 1.2 combobox with a listbox popup).
// Without JavaScript the box stays a plain GET form to /search/.
(function () {
  "use strict";
  var input = document.getElementById("site-search");
  var form = input && input.form;
  var url = form && form.getAttribute("data-suggest-url");
  if (!url || !window.fetch) return;

  var list = document.createElement("ul");
  list.id = "site-search-suggestions";
  list.className = "search-suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Suggested terms");
  list.hidden = true;
  form.appendChild(list);
  var status = document.createElement("div");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  form.appendChild(status);

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-expanded", "false");

  var timer = null;
  var active = -1;
  var latest = 0;

  function options() {
    return list.querySelectorAll("[role=option]");
  }

  function close() {
    list.hidden = true;
    list.textContent = "";
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function highlight(index) {
    var items = options();
    if (!items.length) return;
    active = (index + items.length) % items.length;
    for (var i = 0; i < items.length; i++) {
      items[i].setAttribute("aria-selected", i === active ? "true" : "false");
    }
    input.setAttribute("aria-activedescendant", items[active].id);
    items[active].scrollIntoView({ block: "nearest" });
  }

  function render(results) {
    list.textContent = "";
    active = -1;
    input.removeAttribute("aria-activedescendant");
    results.forEach(function (result, i) {
      var item = document.createElement("li");
      item.id = "site-search-option-" + i;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.setAttribute("data-url", result.url);
      var name = document.createElement("span");
      // Why it matched, when not by its name: "SageMaker AI → Model Training (AWS)".
      name.textContent = result.matched
        ? result.matched + " \u2192 " + result.name + (result.provider ? " (" + result.provider + ")" : "")
        : result.name;
      var category = document.createElement("span");
      category.className = "suggestion-category";
      category.textContent = result.category;
      item.appendChild(name);
      item.appendChild(category);
      list.appendChild(item);
    });
    list.hidden = results.length === 0;
    input.setAttribute("aria-expanded", results.length ? "true" : "false");
    status.textContent = results.length
      ? results.length + " suggestion" + (results.length === 1 ? "" : "s") + "; use the arrow keys to choose."
      : "";
  }

  function fetchSuggestions() {
    var query = input.value.trim();
    if (!query) {
      close();
      return;
    }
    var ticket = ++latest;
    fetch(url + "?q=" + encodeURIComponent(query), { headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : { results: [] };
      })
      .then(function (data) {
        if (ticket === latest) render(data.results || []);
      })
      .catch(close);
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(fetchSuggestions, 150);
  });

  input.addEventListener("keydown", function (event) {
    var open = !list.hidden;
    if (event.key === "ArrowDown") {
      if (!open) {
        fetchSuggestions();
      } else {
        highlight(active + 1);
      }
      event.preventDefault();
    } else if (event.key === "ArrowUp" && open) {
      highlight(active - 1);
      event.preventDefault();
    } else if (event.key === "Escape" && open) {
      close();
      event.preventDefault();
    } else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault();
      window.location.href = options()[active].getAttribute("data-url");
    }
  });

  list.addEventListener("mousedown", function (event) {
    // mousedown, not click: it comes before the input's blur closes the list.
    var item = event.target.closest("[role=option]");
    if (item) {
      event.preventDefault();
      window.location.href = item.getAttribute("data-url");
    }
  });

  input.addEventListener("blur", function () {
    setTimeout(close, 100);
  });
})();
