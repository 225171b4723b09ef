"""Did you mean: the vocabulary words nearest a query's unknown words, and the terms they name.

A vocabulary word is stored under itself and each of its one-letter deletions (SearchWordKey);
a typo's own deletions (up to two letters) that equal a key name the candidates, so finding
them is a few exact probes of one B-tree index (the SymSpell method). A word missing two
letters is beyond the keys: it falls back to the backend's trigram neighbours.
"""

from rapidfuzz.distance import OSA

from terms.search.backends.base import WORD_KEYS, Filters, deletions, rows
from terms.search.names import names_first
from terms.search.query import words_query
from terms.search.results import Suggestion, load_terms


def needs_suggestions(parsed, results):
    """Whether there is no good hit (nothing found, or little found while a word is unknown),
    and what vocabulary() said of the query words when they had to be looked up."""
    if results.total == 0:
        return True, None
    words = {w for w in parsed.words if len(w) >= 4}
    if not words or results.total > 20:
        return False, None
    known = vocabulary(words)
    return bool(words - known[0]), known


def corrected(backend, parsed, known=None):
    """The query's words with their typos corrected, or None when none could be."""
    words = parsed.words
    if not words:
        return None
    _, candidates = known if known is not None else vocabulary(words)
    better = [
        closest_word(backend, word, candidates[word]) if word in candidates else None
        for word in words
    ]
    if not any(better):
        return None
    return [fixed or word for fixed, word in zip(better, words, strict=True)]


def did_you_mean(backend, words, limit=3):
    """Up to `limit` Suggestions of terms named like these (corrected) words."""
    ids = names_first(backend, " ".join(words), limit)
    if len(ids) < limit:
        more = backend.name_ids(words_query(words), Filters(), limit)
        ids += [pk for pk in more if pk not in ids][: limit - len(ids)]
    terms = load_terms(ids)
    return [
        Suggestion(terms[pk].name, terms[pk].slug, terms[pk].get_absolute_url())
        for pk in ids
        if pk in terms
    ]


def correctable(word):
    return len(word) >= 4 and word.isalpha()


def allowed_edits(word):
    return 1 if len(word) <= 5 else 2


def closest_word(backend, word, candidates):
    """The vocabulary word nearest `word` by edit distance, if it is near enough."""
    allowed = allowed_edits(word)
    best = nearest(word, candidates, allowed)
    if best is None and allowed == 2:
        best = nearest(word, backend.similar_words(word), allowed)
    return best


def nearest(word, candidates, allowed):
    """The candidate at the fewest edits (optimal string alignment) from `word`, up to
    `allowed`; ties go to the first in alphabetical order."""
    best = None
    for candidate in candidates:
        distance = OSA.distance(word, candidate, score_cutoff=allowed)
        if distance <= allowed and (best is None or (distance, candidate) < best):
            best = (distance, candidate)
    return best[1] if best else None


def key_candidates(words):
    """{word: vocabulary words sharing a deletion key with it}, for all `words` in one
    indexed lookup."""
    keys = {word: deletions(word, allowed_edits(word)) for word in words}
    wanted = sorted(set().union(*keys.values()))
    if not wanted:
        return {}
    marks = ", ".join(["%s"] * len(wanted))
    by_key = {}
    for key, word in rows(f"SELECT key, word FROM {WORD_KEYS} WHERE key IN ({marks})", wanted):
        by_key.setdefault(key, set()).add(word)
    return {
        word: set().union(*(by_key.get(key, ()) for key in word_keys))
        for word, word_keys in keys.items()
    }


def vocabulary(words):
    """(the query words the vocabulary knows, {each other correctable word: its candidate
    corrections}), from one lookup: every vocabulary word is stored under its own key too."""
    words = [w for w in dict.fromkeys(words) if correctable(w)]
    candidates = key_candidates(words)
    known = {w for w in words if w in candidates[w]}
    return known, {w: found for w, found in candidates.items() if w not in known}
