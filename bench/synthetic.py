"""A large, deterministic synthetic glossary for measuring search (generate_terms, bench_search).

Its vocabulary also fills the entry files that measure the import (`bench.entries`).

Words follow a Zipf distribution over a fixed vocabulary, so a few words appear in almost
every term and most appear in very few, as in real text. Every term has realistic sizes:
a 2-3 sentence definition, 3 use cases, 4 provider equivalents and 3 FAQs.
"""

import itertools
import random
from datetime import UTC, datetime
from html import escape

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils.text import slugify

from terms.models import (
    FAQ,
    Category,
    Difficulty,
    Provider,
    ProviderEquivalent,
    Status,
    Term,
    UseCase,
)

# One fixed time: the same seed gives the same rows.
PUBLISHED_AT = datetime(2026, 1, 1, tzinfo=UTC)

COMMON = [
    "data",
    "cloud",
    "model",
    "service",
    "system",
    "network",
    "storage",
    "security",
    "compute",
    "application",
    "platform",
    "performance",
    "training",
    "user",
    "cluster",
    "query",
    "learning",
    "access",
    "cost",
    "region",
    "database",
    "container",
    "latency",
    "workload",
    "instance",
    "scale",
    "api",
    "pipeline",
    "monitoring",
    "policy",
]
SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ra",
    "te",
    "zu",
    "no",
    "vi",
    "sa",
    "pe",
    "ro",
    "ta",
    "me",
    "li",
    "gu",
    "fa",
    "de",
    "ko",
    "ri",
    "na",
    "bo",
    "se",
    "tu",
    "ma",
    "xe",
    "ly",
    "qua",
    "tri",
    "dra",
    "pho",
    "sten",
    "vor",
    "ith",
    "mund",
    "kel",
    "zar",
]
CATEGORIES = [
    "ai-ml",
    "compute",
    "databases",
    "devops",
    "networking",
    "security",
    "storage",
    "analytics",
    "serverless",
    "observability",
]
ORGANIZATIONS = [f"{w.capitalize()} Corp" for w in SYLLABLES] + [
    "Netflix",
    "Uber",
    "Spotify",
    "Airbnb",
    "Shopify",
    "Siemens",
    "Maersk",
]


class Vocabulary:
    def __init__(self, rng, size=20_000):
        invented = set()
        for length in itertools.cycle((2, 3, 3, 4)):
            if len(invented) >= size - len(COMMON):
                break
            invented.add("".join(rng.choice(SYLLABLES) for _ in range(length)))
        self.words = COMMON + sorted(invented)
        rng.shuffle(self.words[len(COMMON) :])
        self.rng = rng
        self._cumulative = {}

    def pick(self, count, start=0):
        """`count` words drawn by Zipf frequency, from the `start`-th most common on."""
        if start not in self._cumulative:
            weights = [1 / rank for rank in range(start + 1, len(self.words) + 1)]
            self._cumulative[start] = self.words[start:], list(itertools.accumulate(weights))
        words, cumulative = self._cumulative[start]
        return self.rng.choices(words, cum_weights=cumulative, k=count)

    def sentence(self, count):
        words = self.pick(count)
        return " ".join(words).capitalize() + "."


def generate(count, seed=42, batch=2_000, progress=None):
    """Create `count` synthetic terms with their children; return how many were created.

    One transaction, rows written with COPY (PostgreSQL) or executemany (SQLite): the ORM's
    bulk_create is many times slower at 100,000 terms. The data is the same for the same seed
    (the random draws are made in the same order).
    """
    rng = random.Random(seed)
    vocabulary = Vocabulary(rng)
    with transaction.atomic():
        categories = [
            Category.objects.get_or_create(
                slug=slug, defaults={"name": Category.name_from_slug(slug)}
            )[0]
            for slug in CATEGORIES
        ]
        providers = list(Provider.objects.order_by("position")[:4])
        taken = {name.lower() for name in Term.objects.values_list("name", flat=True)}
        next_id = (Term.objects.aggregate(last=Max("pk"))["last"] or 0) + 1
        created = 0
        while created < count:
            size = min(batch, count - created)
            terms = []
            while len(terms) < size:
                name = " ".join(
                    w.capitalize() for w in vocabulary.pick(rng.choice((2, 2, 3)), start=10)
                )
                if name.lower() in taken or not slugify(name):
                    continue
                taken.add(name.lower())
                term = _term(rng, vocabulary, name, rng.choice(categories))
                term.pk, next_id = next_id, next_id + 1
                terms.append(term)
            use_cases, equivalents, faqs = _children(rng, vocabulary, terms, providers)
            _insert(Term, terms, with_pk=True)
            _insert(UseCase, use_cases)
            _insert(ProviderEquivalent, equivalents)
            _insert(FAQ, faqs)
            created += size
            if progress:
                progress(created)
        # Term ids were chosen here, so move the id sequence past them (PostgreSQL).
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Term]):
                cursor.execute(sql)
            # Statistics for the planner now: autovacuum may be off, or not have run yet.
            if connection.vendor == "postgresql":
                for model in (Term, UseCase, ProviderEquivalent, FAQ):
                    cursor.execute(f"ANALYZE {model._meta.db_table}")
    return created


def _children(rng, vocabulary, terms, providers):
    use_cases, equivalents, faqs = [], [], []
    for term in terms:
        for i in range(3):
            use_cases.append(
                UseCase(
                    term=term,
                    organization=rng.choice(ORGANIZATIONS),
                    title=vocabulary.sentence(6)[:-1],
                    description=vocabulary.sentence(25),
                    outcome=vocabulary.sentence(12),
                    position=i,
                )
            )
            question = vocabulary.sentence(10)[:-1] + "?"
            answer = vocabulary.sentence(30) + " " + vocabulary.sentence(20)
            faqs.append(
                FAQ(
                    term=term,
                    question=question,
                    answer=answer,
                    answer_html=f"<p>{escape(answer)}</p>",
                    position=i,
                )
            )
        for i, provider in enumerate(providers):
            service = " ".join(w.capitalize() for w in vocabulary.pick(2, start=10))
            equivalents.append(
                ProviderEquivalent(
                    term=term,
                    provider=provider,
                    service=f"{provider.short_name} {service}",
                    position=i,
                )
            )
    return use_cases, equivalents, faqs


def _insert(model, objects, with_pk=False):
    """Write `objects` in one statement stream, bypassing save() (and so signals)."""
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    rows = [
        [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields] for obj in objects
    ]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


def _term(rng, vocabulary, name, category):
    first = f"{name} is a " + " ".join(vocabulary.pick(18)) + "."
    definition = " ".join([first, vocabulary.sentence(20), vocabulary.sentence(14)])
    words = name.split()
    aliases = ["".join(w[0] for w in words).upper()] if rng.random() < 0.3 else []
    return Term(
        name=name,
        slug=slugify(name),
        definition=definition,
        definition_html=f"<p>{escape(definition)}</p>",
        summary=first,
        category=category,
        difficulty=rng.choice(Difficulty.values),
        aliases=aliases,
        # Readers' pages and search are what the benchmarks measure: published terms.
        status=Status.PUBLISHED,
        published_at=PUBLISHED_AT,
    )
