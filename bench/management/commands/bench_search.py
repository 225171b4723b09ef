import random
import statistics
import time
from urllib.parse import urlencode

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django.test import RequestFactory, override_settings

from bench.synthetic import COMMON
from terms import search, views
from terms.models import Term


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def interleave(lists):
    """The items of every list in one, each list's spread evenly over it: a load that takes
    them in turn asks every kind of query throughout, in the lists' proportions."""
    return [
        item
        for _, _, item in sorted(
            ((i + 0.5) / len(items), order, item)
            for order, items in enumerate(lists)
            for i, item in enumerate(items)
        )
    ]


def typo(word, rng):
    """`word` with two neighbouring letters swapped or one letter dropped."""
    i = rng.randrange(1, len(word) - 1)
    if rng.random() < 0.5:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + word[i + 1 :]


class Command(BaseCommand):
    help = "Time search on the current database: median, p95 and p99 per kind of query."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--repeat", type=int, default=3)
        parser.add_argument("--rebuild", action="store_true", help="Also time a full rebuild.")
        parser.add_argument("--urls", help="Write /search/ URLs of every query here (for wrk).")
        parser.add_argument(
            "--pages",
            action="store_true",
            help="Also time the whole /search/ page per kind, in-process: wall and Python CPU.",
        )

    def handle(self, *args, **options):
        # The figures are of finding results, not of fetching them from the result cache.
        with override_settings(SEARCH_CACHE_SECONDS=0):
            self.bench(**options)

    def bench(self, *, seed, repeat, rebuild, urls, pages, **options):
        rng = random.Random(seed)
        total = Term.objects.count()
        self.stdout.write(f"{connection.vendor}, {total} terms")
        if rebuild:
            started = time.perf_counter()
            search.rebuild_index()
            self.stdout.write(f"index rebuild: {time.perf_counter() - started:.1f} s")

        ids = list(Term.objects.order_by("pk").values_list("pk", flat=True))
        names = list(
            Term.objects.filter(pk__in=rng.sample(ids, 300)).values_list("name", flat=True)
        )
        words = sorted({w for name in names for w in search.tokens(name) if len(w) >= 5})
        rng.shuffle(words)
        # Selective: name words and whole names that match under 1 % of the terms.
        rare = [q for q in [*words, *names] if search.search_terms(q).total < total / 100]
        kinds = {
            "selective": rare[:150],
            "common": [*COMMON, *(" ".join(rng.sample(COMMON, 2)) for _ in range(20))],
            "prefix": [n[: rng.randint(2, 5)] for n in names[50:150]],
            "typo": [typo(w, rng) for w in words[100:200]],
        }
        kinds["corrected"] = kinds["typo"]
        calls = {
            "selective": lambda q: search.search_terms(q).page(1),
            "common": lambda q: search.search_terms(q).page(1),
            "prefix": lambda q: search.suggest(q),
            # The suggestion alone, then what the search page does with it: a confident
            # correction of a query that finds nothing is searched at once.
            "typo": lambda q: search.search_terms(q, correct=False),
            "corrected": lambda q: search.search_terms(q),
        }
        for kind, queries in kinds.items():
            timings, matched, capped = [], [], 0
            for query in queries:
                calls[kind](query)  # warm caches the way a live server would be
                for _ in range(repeat):
                    started = time.perf_counter()
                    calls[kind](query)
                    timings.append((time.perf_counter() - started) * 1000)
                if kind != "prefix":
                    results = search.search_terms(query, correct=kind != "typo")
                    matched.append(results.total / total)
                    capped += results.total_capped
            line = (
                f"{kind:>9}: {len(queries)} queries x {repeat}, "
                f"median {statistics.median(timings):.1f} ms, "
                f"p95 {percentile(timings, 0.95):.1f} ms, p99 {percentile(timings, 0.99):.1f} ms"
            )
            if matched:
                line += f"; matching terms: median {statistics.median(matched):.2%}"
                line += f", max {max(matched):.2%}"
            if capped:
                line += f" ({capped} queries match more than the {search.COUNT_LIMIT} counted)"
            self.stdout.write(line)
        if pages:
            self.time_pages(kinds, repeat)
        if urls:
            # Interleaved, not a block of each kind: the 50 common words in a row would make
            # the load a stretch of nothing else, whose latency is then most of the p95.
            with open(urls, "w") as out:
                for query in interleave([kinds[kind] for kind in ("selective", "common", "typo")]):
                    out.write(f"/search/?{urlencode({'q': query})}\n")
            self.stdout.write(f"wrote the /search/ URLs to {urls}")

    def time_pages(self, kinds, repeat):
        """The search page as a request costs it, without HTTP: where a served request's
        time goes (the database's share is wall minus Python CPU)."""
        # A host the settings allow, as the page's links and canonical URL use it.
        host = next(
            (h for h in settings.ALLOWED_HOSTS if h not in ("*", "") and h[0] != "."), "127.0.0.1"
        )
        factory = RequestFactory(SERVER_NAME=host)
        call_command("collectstatic", interactive=False, verbosity=0)  # the page links them
        for kind in ("selective", "common", "typo"):
            wall, cpu = [], []
            for query in kinds[kind]:
                views.search(factory.get("/search/", {"q": query}))
                for _ in range(repeat):
                    request = factory.get("/search/", {"q": query})
                    started, started_cpu = time.perf_counter(), time.process_time()
                    views.search(request)
                    wall.append((time.perf_counter() - started) * 1000)
                    cpu.append((time.process_time() - started_cpu) * 1000)
            self.stdout.write(
                f"{kind:>9} page: mean {statistics.mean(wall):.1f} ms, "
                f"p95 {percentile(wall, 0.95):.1f} ms; Python CPU mean {statistics.mean(cpu):.1f} ms"
            )
