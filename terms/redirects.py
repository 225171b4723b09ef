"""Old slugs of renamed terms: their URLs on the site and in the API answer 301 with the
term's current one, so links and mirrors keyed by slug keep working.

A slug change is noted when the term is saved (terms.signals); a term that takes back an
old slug of its own drops that redirect. A slug that still redirects to another term is
not free for a new term or a rename (Term.validate_unique, the API and the importer refuse
it) until editors delete the redirect in the admin.
"""

from django.db import models
from django.db.models import Q
from django.http import HttpResponsePermanentRedirect


class SlugRedirect(models.Model):
    slug = models.SlugField(max_length=200, unique=True, help_text="The term's earlier slug.")
    term = models.ForeignKey("terms.Term", on_delete=models.CASCADE, related_name="redirects")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]
        verbose_name = "old slug"
        constraints = [
            models.CheckConstraint(condition=~Q(slug=""), name="slugredirect_slug_not_empty"),
        ]

    def __str__(self):
        return f"{self.slug} → {self.term.slug}"


def moved(term, old_slug):
    """`term` was saved with a new slug: its old one redirects to it from now on."""
    SlugRedirect.objects.filter(slug=term.slug).delete()  # its own old slug, taken back
    SlugRedirect.objects.update_or_create(slug=old_slug, defaults={"term": term})


def taken_by(slug, exclude_pk=None):
    """The term an old `slug` still redirects to (not the one being written), or None."""
    found = SlugRedirect.objects.filter(slug=slug).exclude(term_id=exclude_pk)
    return found.select_related("term").values_list("term__name", flat=True).first()


def taken_message(slug, name):
    return (
        f"The slug “{slug}” is an old slug of “{name}” and redirects to it: choose another, "
        "or delete that redirect (Old slugs, in the admin) first."
    )


def current(slug, terms):
    """The term of `terms` (a QuerySet: what the reader may see) that old `slug` redirects
    to, or None."""
    return terms.filter(redirects__slug=slug).first()


def redirect(request, url):
    """301 to `url`, with the request's query string."""
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)
