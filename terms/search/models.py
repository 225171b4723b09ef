"""The search index's tables: derived from the terms, rebuilt by `rebuild_search_index`.

Each backend adds its own structures over them (terms/search/backends/): FTS5 tables and
triggers on SQLite; a weighted tsvector with GIN indexes on PostgreSQL.
"""

from django.contrib.postgres.search import SearchVectorField
from django.db import models


class FacetValues(models.Model):
    """What the search facets count, kept in each row a match is read from rather than
    looked up once per match."""

    category_id = models.IntegerField()
    difficulty = models.CharField(max_length=12)
    providers = models.CharField(max_length=200, blank=True, help_text="Provider ids: ,1,3,")

    class Meta:
        abstract = True
        ordering = ["term"]


class SearchDocument(FacetValues):
    """A term's searchable text, flattened; the full-text indexes read only this."""

    term = models.OneToOneField(
        "terms.Term", on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    names = models.TextField(help_text="Name and aliases.")
    services = models.TextField(blank=True, help_text="Provider service names.")
    definition = models.TextField(blank=True)
    body = models.TextField(blank=True, help_text="Use cases, FAQs and category.")
    # PostgreSQL only (weighted, GIN-indexed); SQLite indexes the text columns with FTS5.
    vector = SearchVectorField(null=True, editable=False)

    def __str__(self):
        return self.names


class SearchTitle(FacetValues):
    """PostgreSQL only: a term's names and services as one small weighted vector, with the
    facet values. A document row fills a page; these narrow rows stay in the buffers when
    a common word's name matches are ranked. SQLite leaves it empty (its FTS5 index of names
    and services does this)."""

    term = models.OneToOneField(
        "terms.Term", on_delete=models.CASCADE, primary_key=True, related_name="search_title"
    )
    # Names weighted A and services B, at the positions they have in the document's vector.
    vector = SearchVectorField()

    def __str__(self):
        return str(self.term_id)


class SearchName(models.Model):
    """A term's name or one alias, normalised for exact and prefix matches."""

    term = models.ForeignKey("terms.Term", on_delete=models.CASCADE, related_name="search_names")
    key = models.CharField(max_length=300)

    class Meta:
        ordering = ["key"]

    def __str__(self):
        return self.key


class SearchWord(models.Model):
    """A word used in term names, aliases or services: the vocabulary "did you mean" corrects to."""

    word = models.CharField(max_length=100, primary_key=True)

    class Meta:
        ordering = ["word"]

    def __str__(self):
        return self.word


class SearchWordKey(models.Model):
    """A vocabulary word, whole or with one letter deleted: "did you mean" looks typos up here.

    A typo's own deletions (up to two letters) that equal a key name the candidate words, so
    finding them is a few exact probes of one B-tree index (the SymSpell method).
    """

    key = models.CharField(max_length=100)
    word = models.CharField(max_length=100)

    class Meta:
        ordering = ["key", "word"]
        constraints = [
            models.UniqueConstraint(fields=["key", "word"], name="search_word_key_unique")
        ]

    def __str__(self):
        return f"{self.key} → {self.word}"
