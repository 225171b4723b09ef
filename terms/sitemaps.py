"""/sitemap.xml: every public page, with lastmod from the terms' updated_at."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from terms.models import Category, Provider, ProviderEquivalent, Term


class TermSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.8

    def items(self):
        return Term.objects.published().links().order_by("slug")

    def lastmod(self, term):
        return term.updated_at


class CategorySitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return Category.objects.with_last_change().order_by("slug")

    def lastmod(self, category):
        return category.last_change


class ProviderSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return Provider.objects.order_by("slug")


class ServiceSitemap(Sitemap):
    """Each service's /compare/<provider>/<service>/ page, where "what is X called on the
    other clouds" lands."""

    changefreq = "weekly"
    priority = 0.7

    def items(self):
        return ProviderEquivalent.objects.services()

    def location(self, service):
        kwargs = {"provider": service["provider__slug"], "service": service["service_slug"]}
        return reverse("terms:compare-service", kwargs=kwargs)

    def lastmod(self, service):
        return service["last_change"]


class PageSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.6

    def items(self):
        return ["terms:home", "terms:term-list", "terms:category-list", "terms:provider-list",
                "terms:compare"]  # fmt: skip

    def location(self, name):
        return reverse(name)


SITEMAPS = {
    "pages": PageSitemap,
    "terms": TermSitemap,
    "categories": CategorySitemap,
    "providers": ProviderSitemap,
    "services": ServiceSitemap,
}
