"""The reader website: server-rendered pages built on the glossary's QuerySets.

Every page runs a fixed number of queries whatever the number of terms (tests hold the
ceilings), and nothing here touches the session, so anonymous responses set no cookie and
can be cached.
"""

import json
import string
from itertools import groupby
from urllib.parse import quote_plus, urlencode

from django.db.models import Count
from django.db.models.functions import Substr, Upper
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import http_date
from django.utils.text import slugify
from django.views.decorators.http import require_safe
from django.views.generic import DetailView, ListView, TemplateView
from django_filters.views import FilterView

from terms import api_errors, changes, compare, content_cache, redirects, rendering
from terms import search as search_service
from terms.filters import CompareFilter, TermPageFilter
from terms.models import Category, Provider, ProviderEquivalent, Term
from terms.term_page import term_page

SITE_NAME = "Glossary"
OTHER = "#"
LETTERS = [OTHER, *string.ascii_uppercase]
_JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def initial(name):
    """The A–Z group of a name: its first letter, or "#" for anything else."""
    first = name[:1].upper()
    return first if first in string.ascii_uppercase else OTHER


def letter_anchor(letter):
    return "letter-other" if letter == OTHER else f"letter-{letter}"


def alphabet(queryset, per_page, params):
    """The A–Z bar: each letter with a link to where its terms start, or None if it has none."""
    counts = dict.fromkeys(LETTERS, 0)
    rows = queryset.order_by().annotate(first=Upper(Substr("name", 1, 1))).values("first")
    for row in rows.annotate(n=Count("pk")):
        counts[initial(row["first"] or "")] += row["n"]
    params = params.copy()
    params.pop("page", None)
    bar, before = [], 0
    for letter in LETTERS:
        url = None
        if counts[letter]:
            page = before // per_page + 1
            if page > 1:
                params["page"] = page
            query = params.urlencode()
            params.pop("page", None)
            url = f"?{query}#{letter_anchor(letter)}" if query else f"#{letter_anchor(letter)}"
        bar.append({"letter": letter, "url": url, "count": counts[letter]})
        before += counts[letter]
    return bar


def by_letter(terms):
    """[(letter, anchor, [terms])] in the order given."""
    return [(letter, letter_anchor(letter), list(group)) for letter, group in groupby(
        terms, key=lambda term: initial(term.name)
    )]  # fmt: skip


def json_ld(data):
    """JSON for a <script type="application/ld+json"> element, safe inside HTML."""
    return json.dumps(data, ensure_ascii=False).translate(_JSON_SCRIPT_ESCAPES)


class PageMixin:
    """What the site's pages share: a title and description for the head, a hundred items
    a page, and the query string their page links keep (`page_params`)."""

    title = ""
    description = ""
    paginate_by = 100

    def get_title(self):
        return self.title

    def get_description(self):
        return self.description

    def get_context_data(self, **kwargs):
        params = self.request.GET.copy()
        params.pop("page", None)
        kwargs.update(
            title=self.get_title(),
            description=self.get_description(),
            page_params=params.urlencode(),
        )
        return super().get_context_data(**kwargs)


class HomeView(PageMixin, TemplateView):
    template_name = "terms/home.html"
    title = f"{SITE_NAME}: cloud and AI terms explained"
    description = (
        "Plain definitions of cloud and AI terms, with use cases, FAQs and the equivalent "
        "service on AWS, Azure, Google Cloud and OCI."
    )

    def get_context_data(self, **kwargs):
        # The one ranking on the home page that reads every beginner term: kept until the
        # content changes.
        start_here = content_cache.derived(
            "start-here", lambda: list(Term.objects.published().summaries().start_here())
        )
        return super().get_context_data(
            categories=Category.objects.with_term_count().order_by("name"),
            start_here=[(c, list(terms)) for c, terms in groupby(start_here, lambda t: t.category)],
            recent=Term.objects.published()
            .summaries()
            .changed_since_first_load()
            .recently_updated()[:8],
            # Its links go to the pages of the A–Z index.
            alphabet=alphabet(Term.objects.published(), TermListView.paginate_by, self.request.GET),
            alphabet_base=reverse("terms:term-list"),
            **kwargs,
        )


class TermListView(PageMixin, FilterView):
    template_name = "terms/term_list.html"
    context_object_name = "terms"
    filterset_class = TermPageFilter
    # A bad value is reported beside its field; the other filters still apply.
    strict = False
    title = "All terms, A to Z"
    description = "Every term in the glossary, grouped by first letter."

    def get_queryset(self):
        # Built per request: what is published depends on the time (scheduled terms).
        return Term.objects.published().summaries().alphabetical()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            groups=by_letter(context["page_obj"].object_list),
            alphabet=alphabet(self.filterset.qs, self.paginate_by, self.request.GET),
            filtered=any(self.request.GET.get(name) for name in TermPageFilter.base_filters),
        )
        return context


class TermDetailView(DetailView):
    template_name = "terms/term_detail.html"
    context_object_name = "term"

    def get_object(self, queryset=None):
        term = term_page(self.kwargs["slug"])
        if term is None or not term.is_published:
            raise Http404("No such term.")
        return term

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            # An old slug of a renamed term: its page moved for good.
            moved = redirects.current(kwargs["slug"], Term.objects.published())
            if moved is None:
                raise
            return redirects.redirect(request, moved.get_absolute_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        term = self.object
        linked = term.linked
        faqs = term.faqs.all()
        equivalents = term.provider_equivalents.all()
        context.update(
            title=term.name,
            description=term.summary,
            og_type="article",
            use_cases=term.use_cases.all(),
            equivalents=[(p, list(rows)) for p, rows in groupby(equivalents, lambda e: e.provider)],
            # No Docs column while no equivalent has a URL: an empty column reads as broken.
            has_docs=any(e.url for e in equivalents),
            faqs=faqs,
            related=[t for t in linked if t.kind == "related"],
            see_also=[t for t in linked if t.kind == "see_also"],
            mentioned_in=list({t.pk: t for t in linked if t.kind == "mentioned_in"}.values()),
            previous=next((t for t in linked if t.kind == "previous"), None),
            next=next((t for t in linked if t.kind == "next"), None),
            json_ld=json_ld(self.structured_data(term, faqs)),
        )
        return context

    def structured_data(self, term, faqs):
        absolute = self.request.build_absolute_uri
        data = [
            {
                "@context": "https://schema.org",
                "@type": "DefinedTerm",
                "name": term.name,
                "alternateName": term.aliases,
                "description": term.summary,
                "url": absolute(term.get_absolute_url()),
                "dateModified": term.updated_at.isoformat(),
                "inDefinedTermSet": {
                    "@type": "DefinedTermSet",
                    "name": SITE_NAME,
                    "url": absolute(reverse("terms:term-list")),
                },
            }
        ]
        if faqs:
            data.append(
                {
                    "@context": "https://schema.org",
                    "@type": "FAQPage",
                    "mainEntity": [
                        {
                            "@type": "Question",
                            "name": faq.question,
                            "acceptedAnswer": {
                                "@type": "Answer",
                                "text": rendering.plain_text(faq.answer),
                            },
                        }
                        for faq in faqs
                    ],
                }
            )
        return data

    dated = True  # sends Last-Modified

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        # The page shows other terms too (neighbours, backlinks, link texts): its date is the
        # newest change readers can see, so If-Modified-Since never gets a stale 304.
        newest = changes.last_modified([changes.latest_at(public=True)]) if self.dated else None
        if newest is not None:
            response["Last-Modified"] = http_date(newest.timestamp())
        return response


class CategoryListView(PageMixin, ListView):
    template_name = "terms/category_list.html"
    context_object_name = "categories"
    paginate_by = None  # A handful: one page says it all.
    title = "Categories"
    description = "The glossary's terms by category."

    def get_queryset(self):
        return Category.objects.with_term_count().order_by("name")


class CategoryDetailView(PageMixin, ListView):
    template_name = "terms/category_detail.html"
    context_object_name = "terms"

    def get_queryset(self):
        self.category = get_object_or_404(Category, slug=self.kwargs["slug"])
        return self.category.terms.published().summaries().alphabetical()

    def get_title(self):
        return self.category.name

    def get_description(self):
        category = self.category
        return category.description or f"Cloud and AI terms in the {category.name} category."

    def get_context_data(self, **kwargs):
        return super().get_context_data(category=self.category, **kwargs)


class ProviderListView(PageMixin, ListView):
    template_name = "terms/provider_list.html"
    context_object_name = "providers"
    paginate_by = None  # A handful: one page says it all.
    title = "Cloud providers"
    description = "Each cloud provider's services and the glossary terms they implement."

    def get_queryset(self):
        return Provider.objects.with_counts()


class ProviderDetailView(PageMixin, DetailView):
    template_name = "terms/provider_detail.html"
    context_object_name = "provider"

    def get_queryset(self):
        return Provider.objects.with_services()

    def get_title(self):
        return f"{self.object.name} services"

    def get_description(self):
        return f"Every {self.object.name} service in the glossary and the term it implements."

    def get_context_data(self, **kwargs):
        return super().get_context_data(equivalents=self.object.equivalents.all(), **kwargs)


class CompareView(PageMixin, FilterView):
    """Terms × providers: which service each provider offers for each term, by category;
    filtered by `q`, the best match first with its answer line."""

    template_name = "terms/compare.html"
    context_object_name = "terms"
    filterset_class = CompareFilter
    # The page's own filter (compare.js) narrows the rows it has: all of them, one page.
    paginate_by = None
    # Bad values are left out, as if not given: the matrix still shows.
    strict = False
    title = "Compare cloud providers"
    description = (
        "What each cloud provider calls the same thing: glossary terms against AWS, Azure, "
        "Google Cloud and OCI services."
    )

    def get_queryset(self):
        return Term.objects.published().on_provider().summaries().by_category()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        providers = list(Provider.objects.all())
        chosen = self.filterset.form.cleaned_data if self.filterset.is_bound else {}
        query = chosen.get("q", "")
        terms, ranked = context["terms"], None
        if query:
            # Every row of the category goes out, those that do not match hidden: without
            # the script the page shows the matches; with it, the next service typed finds
            # its row.
            ranked = list(terms.values_list("pk", flat=True))
            terms = self.get_queryset()
            if chosen.get("category"):
                terms = terms.filter(category=chosen["category"])
        rows = compare.matrix_rows(terms.with_equivalents(), providers)
        by_pk = {row.term.pk: row for row in rows}
        matches = rows if ranked is None else [by_pk[pk] for pk in ranked if pk in by_pk]
        context.update(
            providers=providers,
            rows=matches,
            # Each category's rows, in the order compare.js restores; a filtered page
            # sends the matches once, in their own tbody before these.
            groups=compare.by_category(rows),
            shown=set(ranked or ()),
            # Not `query`: base.html would fill the site's search box with it.
            compare_query=query,
            answer=compare.answer(matches[0], query) if query and matches else None,
        )
        return context


class CompareServiceView(PageMixin, TemplateView):
    """What one provider's service is called on the other clouds, for each term it serves."""

    template_name = "terms/compare_service.html"

    def get(self, request, *args, **kwargs):
        providers = list(Provider.objects.all())
        provider = next((p for p in providers if p.slug == kwargs["provider"].lower()), None)
        if provider is None:
            raise Http404("No such provider.")
        asked = kwargs["service"]
        slug = slugify(asked, allow_unicode=True) or asked
        if provider.slug != kwargs["provider"] or slug != asked:
            return self.moved(provider, slug)
        terms = list(
            Term.objects.published()
            .on_provider(provider, service_slug=slug)
            .links()
            .alphabetical()
            .with_equivalents()
        )
        if not terms:
            renamed = ProviderEquivalent.objects.former_service(provider, slug)
            if renamed is None:
                raise Http404("No such service.")
            return self.moved(provider, renamed.service_slug)
        self.provider, self.providers = provider, providers
        self.found = compare.counterparts(terms, provider, slug, providers)
        return super().get(request, *args, **kwargs)

    def moved(self, provider, slug):
        url = reverse("terms:compare-service", kwargs={"provider": provider.slug, "service": slug})
        return HttpResponsePermanentRedirect(url)

    @property
    def service(self):
        return self.found[0].own.service

    def get_title(self):
        return f"{self.service} ({self.provider.short_name}) on other clouds"

    def get_description(self):
        parts = []
        for provider, equivalents in self.found[0].others:
            if equivalents:
                names = " or ".join(e.service for e in equivalents)
                parts.append(f"{names} on {provider.short_name}")
        term = self.found[0].term.name
        text = f"On {self.provider.name}, {self.service} is the service for {term}."
        if parts:
            text += " Other clouds call it " + "; ".join(parts) + "."
        return text

    def get_context_data(self, **kwargs):
        # Replacing the URL's `provider` and `service`, which TemplateView passes as text.
        kwargs.update(
            provider=self.provider,
            service=self.service,
            others=[p for p in self.providers if p.pk != self.provider.pk],
            found=self.found,
        )
        return super().get_context_data(**kwargs)


@require_safe
def search(request):
    """Ranked results with snippets, facets that narrow them, and "did you mean"."""
    query = request.GET.get("q", "").strip()
    narrowed = {key: request.GET.get(key, "").strip() for key in SEARCH_FACETS}
    # "Search instead for …" asks for the query as typed, without its correction.
    verbatim = request.GET.get("verbatim") == "1"
    results = (
        search_service.search_terms(query, correct=not verbatim, **narrowed) if query else None
    )
    page = results.page(request.GET.get("page")) if results else None
    params = {"q": query} | {key: value for key, value in narrowed.items() if value}
    if verbatim:
        params["verbatim"] = "1"
    return render(
        request,
        "terms/search.html",
        {
            "title": f"Search: {query}" if query else "Search",
            "description": "Search the glossary's terms.",
            "query": query,
            "search": results,
            "page_obj": page,
            "results": page.object_list if page else [],
            "facets": _facet_links(results, params) if results else [],
            "narrowed": [value for value in narrowed.values() if value],
            "page_params": urlencode(params),
            "verbatim_url": "?" + urlencode({**params, "verbatim": "1"}),
            "noindex": True,
        },
    )


SEARCH_FACETS = {"category": "Category", "difficulty": "Difficulty", "provider": "Provider"}


def _facet_links(results, params):
    """(title, [(facet, url)]) per facet; a selected value's link removes it."""
    # Each parameter encoded once, not once per link: a common word has dozens of links.
    encoded = {key: urlencode({key: value}) for key, value in params.items()}
    groups = []
    for key, title in SEARCH_FACETS.items():
        kept = [part for name, part in encoded.items() if name != key]
        links = []
        for facet in results.facets.get(key, []):
            parts = kept if facet.selected else [*kept, f"{key}={quote_plus(facet.value)}"]
            links.append((facet, "?" + "&".join(parts)))
        if links:
            groups.append((title, links))
    return groups


@require_safe
def search_suggest(request):
    """Autocomplete for the header search box: JSON names for the first letters typed."""
    results = search_service.suggest(request.GET.get("q", ""))
    return JsonResponse({"results": results})


def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("terms:sitemap"))
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /search/",
        "Disallow: /preview/",
        f"Sitemap: {sitemap}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


def page_not_found(request, exception):
    """A 404 that offers a search and the term names closest to what was asked for; the
    API's unknown URLs answer in JSON, like its own 404s."""
    if request.path.startswith("/api/"):
        return api_errors.not_found(request)
    asked = request.path.rstrip("/").rsplit("/", 1)[-1].replace("-", " ").strip()
    # The search service, typo correction included: comparing the path with every name
    # read the whole glossary on each 404.
    results = search_service.search_terms(asked[:100], correct=False)
    suggestions = results.suggestions
    if results.ids:
        terms = Term.objects.published().links().in_bulk(results.ids[:5])
        suggestions = [
            {"name": terms[pk].name, "url": terms[pk].get_absolute_url()}
            for pk in results.ids[:5]
            if pk in terms
        ]
    context = {
        "title": "Page not found",
        "description": "",
        "asked": asked,
        "suggestions": suggestions,
        "noindex": True,
    }
    return render(request, "404.html", context, status=404)
