// The term form's Markdown preview: a button under the definition and under each FAQ
// answer asks the server (terms.admin_markdown) for the HTML readers would see, rendered
// by the site's own renderer, [[links]] and all. Nothing is saved.
// Loaded in the page's head, with the admin's other scripts: it waits for the form.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var config = document.getElementById("markdown-preview-config");
  var form = document.getElementById("term_form");
  if (!config || !form) return;

  function previewable(textarea) {
    return textarea.id === "id_definition" || /^id_faqs-\d+-answer$/.test(textarea.id);
  }

  function show(textarea, output, button) {
    var body = new FormData();
    body.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    body.append("text", textarea.value);
    body.append("kind", textarea.id === "id_definition" ? "definition" : "answer");
    body.append("term", config.getAttribute("data-term"));
    button.disabled = true;
    fetch(config.getAttribute("data-url"), { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (result) {
        output.hidden = false;
        if (!result.ok) {
          output.textContent = "No preview: " + result.data.error;
          return;
        }
        // The server's HTML has been through the site's sanitiser (terms.rendering.sanitize).
        output.innerHTML = result.data.html;
        if (result.data.missing_links.length) {
          var note = document.createElement("p");
          note.className = "markdown-preview-missing";
          note.textContent = "No term matches: " + result.data.missing_links.map(function (name) {
            return "[[" + name + "]]";
          }).join(", ") + " (shown as plain text).";
          output.appendChild(note);
        }
        button.textContent = "Update preview";
      })
      .catch(function () {
        output.hidden = false;
        output.textContent = "No preview: the server could not be reached.";
      })
      .finally(function () { button.disabled = false; });
  }

  function addButton(textarea) {
    if (!previewable(textarea) || textarea.getAttribute("data-preview")) return;
    textarea.setAttribute("data-preview", "on");
    var row = textarea.closest(".form-row") || textarea.parentNode;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button markdown-preview-button";
    button.textContent = "Preview";
    var output = document.createElement("div");
    output.className = "markdown-preview";
    output.hidden = true;
    output.setAttribute("aria-live", "polite");
    output.setAttribute("aria-label", "Preview of " + (textarea.id === "id_definition" ? "the definition" : "the answer"));
    button.addEventListener("click", function () { show(textarea, output, button); });
    row.appendChild(button);
    row.appendChild(output);
  }

  function scan(root) {
    Array.prototype.forEach.call(root.querySelectorAll("textarea"), addButton);
  }

  scan(form);
  // A FAQ added with "Add another FAQ" gets its button too.
  document.addEventListener("formset:added", function (event) { scan(event.target); });
});
