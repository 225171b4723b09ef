"""Deterministic synthetic entry files, for measuring the import (generate_entries, bench_import).

Entries are the size of the sample glossary's: a 2-3 sentence definition that names a related
term, 3 use cases, the four providers' equivalents, 3 FAQs, related terms and see-also links
among the generated names. Related terms are listed on both sides and links in name order, so
an entry reads exactly as the glossary exports it once imported.
"""

import random
from pathlib import Path

from django.utils.text import slugify

from bench.synthetic import CATEGORIES, ORGANIZATIONS, Vocabulary
from terms import textformat

PROVIDERS = ("AWS", "Azure", "GCP", "OCI")


def generate(count, seed=42):
    """`count` entries, the same for the same seed."""
    rng = random.Random(seed)
    vocabulary = Vocabulary(rng)
    names = _names(rng, vocabulary, count)
    related = [set() for _ in names]
    see_also = [set() for _ in names]
    if count > 1:
        for i in range(count):
            j = _other(rng, count, i)
            related[i].add(j)
            related[j].add(i)
        for i in range(count):
            see_also[i] = {_other(rng, count, i) for _ in range(2)} - related[i]
    result = []
    for i, name in enumerate(names):
        links = [sorted(names[j] for j in group) for group in (related[i], see_also[i])]
        result.append(_entry(rng, vocabulary, name, *links))
    return result


def write(entries, folder):
    """Write each entry to `folder` as <slug>.txt, as the glossary exports it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for entry in entries:
        (folder / f"{entry.slug}.txt").write_text(textformat.serialize(entry), encoding="utf-8")


def _names(rng, vocabulary, count):
    names, taken = [], set()
    while len(names) < count:
        name = " ".join(w.capitalize() for w in vocabulary.pick(rng.choice((2, 2, 3)), start=10))
        if slugify(name) in taken:
            continue
        taken.add(slugify(name))
        names.append(name)
    return names


def _other(rng, count, i):
    """A random index other than `i`."""
    j = rng.randrange(count - 1)
    return j + (j >= i)


def _links(names):
    return [textformat.Link(name) for name in sorted(names, key=str.lower)]


def _entry(rng, vocabulary, name, related, see_also):
    sentences = [f"{name} is a " + " ".join(vocabulary.pick(18)) + "."]
    if related:
        sentences.append(f"It is often used with {related[0].lower()}.")
    if rng.random() < 0.5 or not related:
        sentences.append(vocabulary.sentence(rng.choice((14, 20))))
    words = name.split()
    aliases = ["".join(w[0] for w in words).upper()] if rng.random() < 0.3 else []
    use_cases = [
        textformat.UseCase(
            organization=rng.choice(ORGANIZATIONS),
            title=vocabulary.sentence(6)[:-1],
            description=vocabulary.sentence(25),
            outcome=vocabulary.sentence(12),
        )
        for _ in range(3)
    ]
    equivalents = [
        textformat.Equivalent(
            provider,
            f"{provider} " + " ".join(w.capitalize() for w in vocabulary.pick(2, start=10)),
            "preview" if rng.random() < 0.1 else "",
        )
        for provider in PROVIDERS
    ]
    questions = {}
    while len(questions) < 3:
        question = vocabulary.sentence(10)[:-1] + "?"
        questions.setdefault(question, vocabulary.sentence(30) + " " + vocabulary.sentence(20))
    return textformat.Entry(
        name=name,
        definition=" ".join(sentences),
        category=rng.choice(CATEGORIES),
        difficulty=rng.choice(textformat.DIFFICULTIES),
        aliases=aliases,
        use_cases=use_cases,
        equivalents=equivalents,
        faqs=[textformat.FAQ(q, a) for q, a in questions.items()],
        related=_links(related),
        see_also=_links(see_also),
    )
