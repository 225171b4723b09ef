"""/feed/: an Atom feed of the terms most recently added or changed."""

from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed

from terms.models import Term


class PlainTextSummaryFeed(Atom1Feed):
    """Atom with each summary declared as text: summaries are plain text that editors typed,
    and Django's `type="html"` would have feed readers render any markup in them."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, {**item, "description": None})
        if item["description"]:
            handler.addQuickElement("summary", item["description"], {"type": "text"})


class RecentTermsFeed(Feed):
    feed_type = PlainTextSummaryFeed
    title = "Glossary: new and updated terms"
    subtitle = "Cloud and AI terms, most recently added or changed first."
    link = reverse_lazy("terms:home")

    def items(self):
        return Term.objects.published().summaries().recently_updated()[:30]

    def item_title(self, term):
        return term.name

    def item_description(self, term):
        return term.summary

    def item_pubdate(self, term):
        return term.created_at

    def item_updateddate(self, term):
        return term.updated_at

    def item_categories(self, term):
        return [term.category.name]
