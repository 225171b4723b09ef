"""The term form's Markdown preview: the definition or an FAQ answer as readers will see it,
rendered on the server by the site's own renderer (terms.rendering), links and all.

Nothing is stored; the editor's unsaved text is rendered against the glossary's link index.
"""

from django.http import JsonResponse
from django.urls import path

from terms import linking, rendering
from terms.models import Term

# A definition is a few paragraphs; this leaves room and keeps one request cheap.
MAX_PREVIEW_CHARS = 100_000
KINDS = {"definition", "answer"}


def _error(message, status=400):
    return JsonResponse({"error": message}, status=status)


class MarkdownPreviewAdminMixin:
    """Mixed into TermAdmin: POST admin/terms/term/markdown-preview/ → {"html": ...}."""

    def get_urls(self):
        view = self.admin_site.admin_view(self.markdown_preview_view)
        return [
            path("markdown-preview/", view, name="terms_term_markdown_preview"),
            *super().get_urls(),
        ]

    def markdown_preview_view(self, request):
        """Render the posted `text` as a `kind` (definition or answer) of term `term` (its
        own name is then not linked), or of a new term when `term` is empty."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            return _error("You may not edit terms, so there is nothing to preview.", 403)
        if request.method != "POST":
            return _error("Send the text to preview with POST.", 405)
        text = request.POST.get("text")
        kind = request.POST.get("kind", "definition")
        if text is None:
            return _error("text: missing; send the Markdown to preview.")
        if len(text) > MAX_PREVIEW_CHARS:
            return _error(f"text: over {MAX_PREVIEW_CHARS:,} characters; shorten it.")
        if kind not in KINDS:
            return _error(f"kind: “{kind}” is not one of {', '.join(sorted(KINDS))}.")
        own, term_id = None, request.POST.get("term", "")
        if term_id:
            if term_id.isdigit():
                own = Term.everything.only("pk", "name", "aliases").filter(pk=term_id).first()
            if own is None:
                return _error(f"term: no term with id “{term_id}”.")
        index, _ = linking.link_index()
        if kind == "definition":
            html, _ = rendering.render_definition(text, index, own)
        else:
            html = rendering.render_answer(text, index, own)
        missing = rendering.missing_links(text, index)
        return JsonResponse({"html": html, "missing_links": missing})
