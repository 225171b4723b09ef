import pytest

from terms import textformat
from terms.textformat import ParseErrors, decode, parse, serialize
from tests.conftest import REFERENCE_ENTRY as SEED

MINIMAL = """Vector Database
Definition
A database that stores embeddings and finds the nearest ones.
Category: databases
Difficulty: intermediate"""


def seed_text():
    return SEED.read_text(encoding="utf-8")


# An entry with five different mistakes, and what parse() says of each after "<path>:".
FIVE_MISTAKES = """Vector Database
Definition
A database that stores embeddings and finds the nearest ones.
Use Cases
- Acme: Builds things (Good)
Provider Equivalents
- AWS Amazon S3
FAQ
- Is it fast?
Category: Data Bases
Difficulty: expert"""
FIVE_PROBLEMS = [
    "5: malformed use case: ' \u2014 ' (em dash) must separate title and description",
    "7: malformed provider equivalent: expected '- Provider: Service (optional note)'",
    "8: unknown section heading 'FAQ' (did you mean 'Frequently Asked Questions'?)",
    "10: category must be a slug such as 'ai-ml', not 'Data Bases'",
    "11: unknown difficulty 'expert' (expected beginner, intermediate, advanced)",
]


def parse_errors(text):
    """The messages of every problem parse() finds in `text`, as "path:line: message"."""
    with pytest.raises(ParseErrors) as info:
        parse(text, "entries/x.txt")
    return [str(error) for error in info.value.errors]


def test_reference_entry_parses_every_section():
    entry = parse(seed_text())
    assert entry.name == "Model Training"
    assert entry.definition.startswith("The process of teaching an AI model")
    assert [u.organization for u in entry.use_cases] == ["Netflix", "Uber", "Google"]
    assert [e.provider for e in entry.equivalents] == ["AWS", "Azure", "GCP", "OCI"]
    assert len(entry.faqs) == 3
    assert (entry.category, entry.difficulty) == ("ai-ml", "intermediate")
    assert entry.related == [] and entry.see_also == []


def test_outcome_keeps_its_own_nested_parentheses():
    uber = parse(seed_text()).use_cases[1]
    assert uber.title == "Estimated time of arrival (ETA) and demand forecasting"
    assert uber.outcome == (
        "More accurate ETAs and improved marketplace efficiency "
        "(better matching of riders and drivers)."
    )
    assert uber.description.endswith("retrains regularly to adapt to changing conditions.")


def test_title_may_contain_colons():
    text = MINIMAL.replace(
        "Category:",
        "Use Cases\n- Acme: Search: the sequel — Indexes documents. (Faster answers.)\nCategory:",
    )
    use_case = parse(text).use_cases[0]
    assert (use_case.organization, use_case.title) == ("Acme", "Search: the sequel")


def test_provider_note_is_optional():
    text = MINIMAL.replace(
        "Category:",
        "Provider Equivalents\n- AWS: Amazon S3 Vectors\n- GCP: AlloyDB (with pgvector)\nCategory:",
    )
    aws, gcp = parse(text).equivalents
    assert (aws.service, aws.note) == ("Amazon S3 Vectors", "")
    assert (gcp.service, gcp.note) == ("AlloyDB", "with pgvector")


def test_export_of_reference_entry_is_byte_identical():
    assert serialize(parse(seed_text())) == seed_text()


def test_aliases_section_round_trips():
    text = MINIMAL.replace("Category:", "Aliases\n- Vector DB\n- Vector store\nCategory:")
    entry = parse(text)
    assert entry.aliases == ["Vector DB", "Vector store"]
    assert parse(serialize(entry)) == entry


def test_bom_and_crlf_are_accepted_and_dropped():
    data = b"\xef\xbb\xbf" + seed_text().replace("\n", "\r\n").encode()
    text = decode(data, "x.txt")
    assert "\r" not in text and not text.startswith("\ufeff")
    assert parse(text) == parse(seed_text())


def test_multi_paragraph_definition_keeps_its_blank_line():
    text = MINIMAL.replace("nearest ones.", "nearest ones.\n\nIt powers semantic search.")
    assert parse(text).definition.endswith("ones.\n\nIt powers semantic search.")


def test_binary_file_is_refused():
    with pytest.raises(ParseErrors, match="binary file"):
        decode(b"PK\x03\x04\x00\x00", "entries/x.txt")


def test_non_utf8_file_is_refused_with_its_line():
    with pytest.raises(ParseErrors) as info:
        decode("Caf\u00e9\nDefinition\n".encode("latin-1"), "entries/x.txt")
    assert str(info.value) == "entries/x.txt:1: not UTF-8 (invalid byte 0xe9)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "entries/x.txt:1: missing term name"),
        ("Definition\nText\nCategory: a\nDifficulty: beginner", "entries/x.txt:1: missing term"),
        (MINIMAL.replace("Definition\nA database that stores embeddings and finds the nearest ones.\n", ""), "missing 'Definition' section"),
        (MINIMAL.replace("Category: databases\n", ""), "missing 'Category: ...' section"),
        (MINIMAL.replace("\nDifficulty: intermediate", ""), "missing 'Difficulty: ...' section"),
        (MINIMAL.replace("A database that stores embeddings and finds the nearest ones.", ""), "entries/x.txt:2: the Definition is empty"),
        (MINIMAL.replace("intermediate", "expert"), "entries/x.txt:5: unknown difficulty 'expert'"),
        (MINIMAL.replace("databases", "Data Bases"), "entries/x.txt:4: category must be a slug"),
        (MINIMAL + "\nExamples\n- one", "entries/x.txt:6: unknown section heading 'Examples'"),
        (MINIMAL + "\nFAQ\n- q?\n- a.", "unknown section heading 'FAQ' (did you mean 'Frequently Asked Questions'?)"),
        (MINIMAL + "\nRelated Terms\n- A\nRelated Terms", "entries/x.txt:8: 'Related Terms' appears twice (first on line 6)"),
        (MINIMAL + "\nUse Cases\n- Acme Builds things (Good)", "entries/x.txt:7: malformed use case: expected"),
        (MINIMAL + "\nUse Cases\n- Acme: Builds things (Good)", "entries/x.txt:7: malformed use case: ' — ' (em dash)"),
        (MINIMAL + "\nUse Cases\n- Acme: Title — Builds things", "entries/x.txt:7: malformed use case: it must end with the outcome"),
        (MINIMAL + "\nUse Cases\n- Acme: Title — Builds things (Good (really)", "entries/x.txt:7: malformed use case: unbalanced parentheses"),
        (MINIMAL + "\nProvider Equivalents\n- AWS Amazon S3", "entries/x.txt:7: malformed provider equivalent"),
        (MINIMAL + "\nFrequently Asked Questions\n- Q1?\n- A1.\n- Q2?", "entries/x.txt:9: FAQ question without an answer"),
        (MINIMAL + "\nSee Also\n-", "entries/x.txt:7: empty item in 'See Also'"),
    ],
    ids=[
        "empty-file", "heading-as-name", "no-definition", "no-category", "no-difficulty",
        "empty-definition", "unknown-difficulty", "category-not-slug", "unknown-heading",
        "near-miss-heading", "duplicate-section", "use-case-without-colon",
        "use-case-without-dash", "use-case-without-outcome", "use-case-unbalanced",
        "provider-without-colon", "faq-without-answer", "empty-item",
    ],
)  # fmt: skip
def test_bad_entry_is_refused_with_file_line_and_reason_and_nothing_else(text, expected):
    [error] = parse_errors(text)
    assert expected in error


def test_every_mistake_of_a_file_is_listed_in_line_order():
    assert parse_errors(FIVE_MISTAKES) == [f"entries/x.txt:{p}" for p in FIVE_PROBLEMS]


def test_parse_errors_read_as_one_line_per_problem():
    with pytest.raises(ParseErrors) as info:
        parse(FIVE_MISTAKES, "entries/x.txt")
    assert str(info.value).split("\n") == [f"entries/x.txt:{p}" for p in FIVE_PROBLEMS]


def test_missing_sections_are_listed_after_the_problems_on_lines():
    assert parse_errors("Alpha\nDefinition\nText\nDifficulty: expert") == [
        "entries/x.txt:4: unknown difficulty 'expert' (expected beginner, intermediate, advanced)",
        "entries/x.txt: missing 'Category: ...' section",
    ]


def test_items_of_a_repeated_section_are_still_checked():
    text = MINIMAL + "\nSee Also\n- A\nSee Also\n-"
    assert parse_errors(text) == [
        "entries/x.txt:8: 'See Also' appears twice (first on line 6)",
        "entries/x.txt:9: empty item in 'See Also'",
    ]


def with_item(section, item):
    return MINIMAL.replace("Category:", f"{section}\n- {item}\nCategory:")


# Each field stored in a bounded column: an entry whose field has `n` characters, the
# field's line, its name in messages, and its limit.
BOUNDED_FIELDS = {
    "name": (lambda n: "N" * n + MINIMAL[len("Vector Database") :], 1, "term name", textformat.MAX_NAME),
    "alias": (lambda n: with_item("Aliases", "a" * n), 5, "alias", textformat.MAX_ALIAS),
    "organization": (lambda n: with_item("Use Cases", "O" * n + ": T \u2014 D. (E.)"), 5, "use case organization", textformat.MAX_ORGANIZATION),
    "title": (lambda n: with_item("Use Cases", "Acme: " + "T" * n + " \u2014 D. (E.)"), 5, "use case title", textformat.MAX_TITLE),
    "service": (lambda n: with_item("Provider Equivalents", "AWS: " + "S" * n), 5, "provider service", textformat.MAX_SERVICE),
    "note": (lambda n: with_item("Provider Equivalents", f"AWS: S3 ({'n' * n})"), 5, "provider note", textformat.MAX_NOTE),
    "category": (lambda n: MINIMAL.replace("databases", "d" * n), 4, "category slug", textformat.MAX_CATEGORY),
}  # fmt: skip


@pytest.mark.parametrize("field", BOUNDED_FIELDS)
def test_field_as_long_as_its_column_parses(field):
    text, _, _, limit = BOUNDED_FIELDS[field]
    assert parse(text(limit)).name


@pytest.mark.parametrize("field", BOUNDED_FIELDS)
def test_field_longer_than_its_column_is_refused_with_its_line(field):
    text, line, what, limit = BOUNDED_FIELDS[field]
    assert parse_errors(text(limit + 1)) == [
        f"entries/x.txt:{line}: {what} is {limit + 1} characters; at most {limit}"
    ]


def test_name_whose_slug_outgrows_its_column_is_refused():
    # Each "ffi" ligature is one letter of the name and three of its slug.
    text = "\ufb03" * 70 + MINIMAL[len("Vector Database") :]
    assert parse_errors(text) == [
        "entries/x.txt:1: URL slug of the name is 210 characters; at most 200"
    ]


def test_length_limits_are_those_of_the_columns_the_fields_are_stored_in():
    from terms.models import Category, ProviderEquivalent, Term, UseCase
    from terms.serializers import TermWriteSerializer

    def column(model, name):
        return model._meta.get_field(name).max_length

    assert {
        "name": column(Term, "name"),
        "slug": column(Term, "slug"),
        "alias": TermWriteSerializer().fields["aliases"].child.max_length,
        "organization": column(UseCase, "organization"),
        "title": column(UseCase, "title"),
        "service": column(ProviderEquivalent, "service"),
        "note": column(ProviderEquivalent, "note"),
        "category": column(Category, "slug"),
    } == {
        "name": textformat.MAX_NAME,
        "slug": textformat.MAX_SLUG,
        "alias": textformat.MAX_ALIAS,
        "organization": textformat.MAX_ORGANIZATION,
        "title": textformat.MAX_TITLE,
        "service": textformat.MAX_SERVICE,
        "note": textformat.MAX_NOTE,
        "category": textformat.MAX_CATEGORY,
    }


def test_serialize_writes_every_section_heading_even_when_empty():
    text = serialize(parse(MINIMAL))
    assert text.split("\n") == [
        "Vector Database",
        "Definition",
        "A database that stores embeddings and finds the nearest ones.",
        textformat.USE_CASES,
        textformat.EQUIVALENTS,
        textformat.FAQS,
        "Category: databases",
        "Difficulty: intermediate",
        textformat.RELATED,
        textformat.SEE_ALSO,
    ]


def test_serialize_keeps_multiline_answer_on_one_line():
    entry = parse(MINIMAL)
    entry.faqs = [textformat.FAQ("Why?", "Because\nit is.")]
    assert "- Because it is." in serialize(entry).split("\n")
