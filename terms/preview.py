"""A draft as readers will see it: the term page's own view and templates, behind a signed
link that expires (terms.publishing.preview_token), so an editor can share it.

A published term's pending draft is applied through the one write path inside a
transaction that is rolled back once the page is rendered: the preview is the page that
publishing would produce, links and all, and nothing of it is kept.
"""

from django.core import signing
from django.db import transaction
from django.http import Http404, HttpResponseBadRequest

from terms import linking, publishing
from terms.models import Term
from terms.term_page import term_page
from terms.views import TermDetailView


class _Rollback(Exception):
    """Leaves the preview's transaction without keeping its writes."""


class PreviewView(TermDetailView):
    dated = False  # never stored (no-store): nothing to revalidate

    def get(self, request, *args, **kwargs):
        try:
            pk = publishing.previewed_pk(kwargs["token"])
        except signing.SignatureExpired:
            raise Http404("This preview link has expired; ask for a new one.") from None
        except signing.BadSignature:
            raise Http404("No such preview.") from None
        self.term = Term.objects.filter(pk=pk).first()
        if self.term is None:
            raise Http404("The previewed term no longer exists.")
        draft = publishing.pending_draft(self.term)
        if draft is None:
            response = self._render(request, *args, **kwargs)
        else:
            try:
                with transaction.atomic():
                    publishing.publish_draft_text(draft)
                    response = self._render(request, *args, **kwargs)
                    raise _Rollback
            except _Rollback:
                pass
            except publishing.WorkflowError as exc:
                return HttpResponseBadRequest(
                    f"The draft cannot be shown: {exc}", content_type="text/plain"
                )
            finally:
                # Its rendering loaded the link index of content that was rolled back.
                linking.forget_index()
        response["X-Robots-Tag"] = "noindex"
        response["Cache-Control"] = "private, no-store"
        return response

    def _render(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response.render()
        return response

    def get_object(self, queryset=None):
        # The term is looked up again: applying a draft may have renamed it.
        term = term_page(Term.objects.values_list("slug", flat=True).get(pk=self.term.pk))
        if term is None:
            raise Http404("The previewed term no longer exists.")
        return term

    def get_context_data(self, **kwargs):
        return super().get_context_data(preview=True, noindex=True, **kwargs)
