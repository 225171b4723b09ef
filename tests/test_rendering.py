import html
import random
import re
from types import SimpleNamespace

import pytest
from django.core.management import call_command

from terms import linking, rendering
from terms.models import FAQ, Term
from tests.conftest import make_term

pytestmark = pytest.mark.django_db


def html_of(term):
    term.refresh_from_db()
    return term.definition_html


def test_script_tags_never_reach_the_html():
    term = make_term("Evil", definition="Hello <script>alert(1)</script> world.")
    assert "<script" not in html_of(term)


def test_event_handler_attributes_are_stripped():
    term = make_term("Evil", definition='<a href="https://x.test" onclick="steal()">x</a>')
    assert "onclick" not in html_of(term)


def test_javascript_urls_are_stripped():
    term = make_term("Evil", definition="[click](javascript:alert(1))")
    assert "javascript:" not in html_of(term)


def test_wiki_link_links_to_the_named_term():
    make_term("Object Storage")
    term = make_term("Bucket", definition="Lives in [[object storage]].")
    assert '<a href="/terms/object-storage/" class="term-link"' in html_of(term)


def test_wiki_link_with_pipe_shows_the_given_text():
    make_term("Object Storage")
    term = make_term("Bucket", definition="Lives in [[Object Storage|a blob store]].")
    assert 'data-summary="Object Storage is a thing worth knowing.">a blob store</a>' in html_of(
        term
    )


def test_wiki_link_to_a_missing_term_renders_as_plain_text():
    term = make_term("Bucket", definition="See [[Nowhere Term|somewhere]] for more.")
    assert html_of(term) == "<p>See somewhere for more.</p>"


def test_missing_links_lists_names_that_match_no_term():
    make_term("Object Storage")
    text = "See [[Object Storage]], [[Nowhere]] and [[Nowhere|again]]."
    assert rendering.missing_links(text, linking.load_index()) == ["Nowhere"]


def test_wiki_link_inside_code_is_left_alone():
    make_term("Object Storage")
    term = make_term("Bucket", definition="Write `[[Object Storage]]` to link.")
    assert "<code>[[Object Storage]]</code>" in html_of(term)


def test_first_mention_of_another_term_is_auto_linked():
    make_term("Object Storage")
    term = make_term("Bucket", definition="A bucket holds files in object storage.")
    assert '">object storage</a>' in html_of(term)


def test_auto_link_happens_once_per_target():
    make_term("Object Storage")
    term = make_term("Bucket", definition="Object storage, object storage, object storage.")
    assert html_of(term).count("<a ") == 1


def test_auto_link_never_links_the_page_own_term():
    term = make_term("Bucket", definition="A bucket is a bucket.")
    assert "<a " not in html_of(term)


def test_auto_link_never_links_inside_code():
    make_term("Object Storage")
    term = make_term("Bucket", definition="Run `object storage ls` to list.")
    assert "<a " not in html_of(term)


def test_auto_link_matches_whole_words_only():
    make_term("Pod")
    term = make_term("Bucket", definition="An ipod is not a podcast.")
    assert "<a " not in html_of(term)


def test_auto_link_matches_an_alias():
    make_term("Large Language Model", aliases=["LLM"])
    term = make_term("Prompt", definition="A prompt steers an LLM.")
    assert '">LLM</a>' in html_of(term)


def test_auto_link_matches_the_abbreviation_in_a_name():
    make_term("Domain Name System (DNS)")
    term = make_term("CDN", definition="Requests reach it through DNS.")
    assert '/terms/domain-name-system-dns/"' in html_of(term)


def test_auto_link_matches_a_plural():
    make_term("Embedding")
    term = make_term("Vector Database", definition="It stores embeddings.")
    assert '">embeddings</a>' in html_of(term)


def test_auto_link_does_not_break_html_entities():
    make_term("Amp")
    term = make_term("Bucket", definition="Salt & pepper.")
    assert "&amp;" in html_of(term)


def test_wiki_and_auto_links_are_recorded_as_mentions():
    storage = make_term("Object Storage")
    bucket = make_term("Bucket", definition="[[Object Storage]] holds buckets.")
    assert list(storage.mentioned_in.all()) == [bucket]


def test_term_created_later_is_linked_from_older_definitions():
    bucket = make_term("Bucket", definition="A bucket lives in object storage.")
    storage = make_term("Object Storage")
    assert '/terms/object-storage/"' in html_of(bucket)
    assert list(storage.mentioned_in.all()) == [bucket]


def test_missing_wiki_link_resolves_once_the_term_exists():
    bucket = make_term("Bucket", definition="See [[Object Storage]].")
    make_term("Object Storage")
    assert '/terms/object-storage/"' in html_of(bucket)


def test_renamed_term_updates_links_to_it():
    storage = make_term("Object Storage")
    bucket = make_term("Bucket", definition="See [[Object Storage]].")
    storage.slug = "blob-storage"
    storage.save()
    assert '/terms/blob-storage/"' in html_of(bucket)


def test_changed_summary_updates_previews_in_linking_terms():
    storage = make_term("Object Storage")
    bucket = make_term("Bucket", definition="See [[Object Storage]].")
    storage.definition = "Storage for blobs. More."
    storage.save()
    assert 'data-summary="Storage for blobs."' in html_of(bucket)


def test_re_render_of_others_does_not_touch_their_updated_at():
    bucket = make_term("Bucket", definition="A bucket lives in object storage.")
    before = Term.objects.get(pk=bucket.pk).updated_at
    make_term("Object Storage")
    assert Term.objects.get(pk=bucket.pk).updated_at == before


def test_faq_answer_resolves_wiki_links():
    make_term("Object Storage")
    term = make_term("Bucket")
    faq = FAQ.objects.create(term=term, question="Where?", answer="In [[Object Storage]].")
    assert '/terms/object-storage/"' in faq.answer_html


def test_faq_answer_link_resolves_once_the_term_exists():
    term = make_term("Bucket")
    faq = FAQ.objects.create(term=term, question="Where?", answer="In [[Object Storage]].")
    make_term("Object Storage")
    faq.refresh_from_db()
    assert '/terms/object-storage/"' in faq.answer_html


def test_render_all_rebuilds_links_and_mentions():
    bucket = make_term("Bucket", definition="A bucket lives in object storage.")
    storage = make_term("Object Storage")
    Term.objects.update(definition_html="")
    Term.mentions.through.objects.all().delete()
    linking.render_all()
    assert '/terms/object-storage/"' in html_of(bucket)
    assert list(storage.mentioned_in.all()) == [bucket]


def test_summary_uses_the_shown_text_of_a_piped_wiki_link():
    assert rendering.first_sentence("Kept in [[Object Storage|blob stores]]. More.") == (
        "Kept in blob stores."
    )


def test_deleted_term_links_turn_back_into_text():
    storage = make_term("Object Storage")
    bucket = make_term("Bucket", definition="See [[Object Storage]].")
    storage.delete()
    assert html_of(bucket) == "<p>See Object Storage.</p>"


def test_render_terms_command_rebuilds_links(capsys):
    bucket = make_term("Bucket", definition="A bucket lives in object storage.")
    make_term("Object Storage")
    Term.objects.update(definition_html="")
    call_command("render_terms")
    assert '/terms/object-storage/"' in html_of(bucket)
    assert "Rendered 2 terms." in capsys.readouterr().out


# Auto-linking rules, checked on a LinkIndex built in memory as terms.linking builds it.


def auto_links(text, *terms, own=None):
    """(term name, link text) of each link in `text` rendered among `terms`: names or
    (name, aliases) pairs."""
    rows = []
    for id_, term in enumerate(terms, start=1):
        name, aliases = (term, []) if isinstance(term, str) else term
        rows.append((id_, name, f"term-{id_}", f"About {name}.", aliases))
    rows.sort(key=lambda row: row[1])  # the order load_index reads them in
    names = {row[2]: row[1] for row in rows}
    html_text, _ = rendering.render_definition(text, rendering.LinkIndex(rows), own)
    return [
        (names[slug], shown)
        for slug, shown in re.findall(r'<a href="/terms/([^/]+)/"[^>]*>(.*?)</a>', html_text)
    ]


def test_auto_link_is_case_insensitive():
    assert auto_links("Kept in OBJECT STORAGE.", "Object Storage") == [
        ("Object Storage", "OBJECT STORAGE")
    ]


def test_auto_link_prefers_the_longest_name_at_a_position():
    assert auto_links("Kept in object storage.", "Storage", "Object", "Object Storage") == [
        ("Object Storage", "object storage")
    ]


def test_auto_link_takes_the_leftmost_of_overlapping_names():
    assert auto_links("Tune the machine learning rate.", "Learning Rate", "Machine Learning") == [
        ("Machine Learning", "machine learning")
    ]


def test_auto_link_links_each_name_of_a_text_in_order():
    assert auto_links("Pods run on nodes in a cluster.", "Pod", "Node", "Cluster") == [
        ("Pod", "Pods"),
        ("Node", "nodes"),
        ("Cluster", "cluster"),
    ]


def test_auto_link_links_a_term_once_even_under_another_of_its_names():
    assert auto_links("An LLM is a large language model.", "Large Language Model (LLM)") == [
        ("Large Language Model (LLM)", "LLM")
    ]


def test_auto_link_matches_a_name_at_the_very_start_and_end_of_the_text():
    assert auto_links("Kubernetes schedules every pod", "Kubernetes", "Pod") == [
        ("Kubernetes", "Kubernetes"),
        ("Pod", "pod"),
    ]


def test_auto_link_matches_a_name_set_off_by_markup():
    assert auto_links("**Kubernetes**, *pods*.", "Kubernetes", "Pod") == [
        ("Kubernetes", "Kubernetes"),
        ("Pod", "pods"),
    ]


def test_auto_link_matches_a_name_with_a_slash():
    assert auto_links("Automate CI/CD pipelines.", "CI/CD") == [("CI/CD", "CI/CD")]


def test_auto_link_matches_a_name_ending_in_punctuation():
    assert auto_links("Written in C# and C++.", "C#", "C++") == [("C#", "C#"), ("C++", "C++")]


def test_auto_link_matches_a_name_with_a_dot_inside():
    assert auto_links("Node.js runs JavaScript.", "Node", "Node.js") == [("Node.js", "Node.js")]


def test_auto_link_matches_a_name_followed_by_punctuation():
    assert auto_links("Node.js runs JavaScript.", "Node") == [("Node", "Node")]


def test_auto_link_matches_a_name_starting_with_punctuation_only_after_a_non_word():
    assert auto_links("ASP.NET runs on .NET today.", ".NET") == [(".NET", ".NET")]


def test_auto_link_matches_a_name_with_an_ampersand():
    assert auto_links("The R&D team.", "R&D") == [("R&D", "R&amp;D")]


def test_auto_link_never_matches_inside_a_character_reference():
    assert auto_links("When 5 < 6 > 4 & more.", "Lt", "Gt", "Amp") == []


def test_auto_link_never_matches_a_name_after_a_hash():
    assert auto_links("Ask in the #kubernetes channel.", "Kubernetes") == []


def test_auto_link_never_matches_part_of_a_hyphenated_word():
    assert auto_links("Multi-pod and pod-based designs.", "Pod") == []


def test_auto_link_never_matches_part_of_a_word_with_accents():
    assert auto_links("Überlauf and naïve caches.", "Über", "Naï") == []


def test_auto_link_matches_accented_names_in_any_case():
    assert auto_links("Un RÉSEAU PRIVÉ virtuel.", "Réseau Privé") == [
        ("Réseau Privé", "RÉSEAU PRIVÉ")
    ]


def test_auto_link_matches_a_greek_name_ending_in_final_sigma():
    assert auto_links("Ένας πίνακας.", "Πίνακας") == [("Πίνακας", "πίνακας")]


def test_auto_link_matches_an_es_plural():
    assert auto_links("Many boxes.", "Box") == [("Box", "boxes")]


def test_auto_link_matches_the_plural_of_an_alias():
    assert auto_links("Compare LLMs.", ("Large Language Model", ["LLM"])) == [
        ("Large Language Model", "LLMs")
    ]


def test_auto_link_matches_the_plural_of_a_multi_word_name():
    assert auto_links("Two object storages.", "Object Storage") == [
        ("Object Storage", "object storages")
    ]


def test_auto_link_prefers_a_name_spelled_like_another_plural():
    assert auto_links("Use Kubernetes.", "Kubernete", "Kubernetes") == [
        ("Kubernetes", "Kubernetes")
    ]


def test_auto_link_leaves_a_longer_mention_of_no_term_unlinked():
    assert auto_links("Data lakes and data lakehouses.", "Data Lake") == [
        ("Data Lake", "Data lakes")
    ]


def test_auto_link_prefers_a_name_over_another_term_alias_of_that_spelling():
    assert auto_links("Build a pipeline.", ("Workflow", ["Pipeline"]), "Pipeline") == [
        ("Pipeline", "pipeline")
    ]


def test_auto_link_gives_an_alias_two_terms_share_to_the_first_by_name():
    assert auto_links("Train a model.", ("Zeta", ["Model"]), ("Alpha", ["Model"])) == [
        ("Alpha", "model")
    ]


def test_auto_link_skips_a_mention_of_the_page_own_alias():
    own = SimpleNamespace(pk=1, name="Large Language Model", aliases=["LLM"])
    assert auto_links("An LLM.", ("Large Language Model", ["LLM"]), own=own) == []


def test_auto_link_never_links_a_new_term_own_name_to_another_term():
    own = SimpleNamespace(pk=None, name="Bucket", aliases=[])
    assert auto_links("A bucket.", ("Object Storage", ["Bucket"]), own=own) == []


def test_auto_link_never_links_inside_a_link_or_preformatted_block():
    text = "[object storage](https://example.com)\n\n```\nobject storage\n```"
    assert auto_links(text, "Object Storage") == []


def test_auto_link_skips_a_term_already_linked_by_a_wiki_link():
    assert auto_links("[[Object Storage|Blobs]] live in object storage.", "Object Storage") == [
        ("Object Storage", "Blobs")
    ]


# NameMatcher: which names a text mentions.


def test_name_matcher_finds_names_in_markdown():
    matcher = rendering.NameMatcher(["Object Storage", "Bucket"])
    assert matcher.names_in("Buckets live in *object storage*.") == {"object storage", "bucket"}


def test_name_matcher_finds_names_in_html():
    matcher = rendering.NameMatcher(["Object Storage"])
    assert matcher.names_in("<p>Kept in <em>object storage</em>.</p>") == {"object storage"}


def test_name_matcher_finds_overlapping_names():
    matcher = rendering.NameMatcher(["Machine Learning", "Learning Rate"])
    assert matcher.names_in("Tune the machine learning rate.") == {
        "machine learning",
        "learning rate",
    }


def test_name_matcher_finds_a_name_running_across_an_earlier_link():
    matcher = rendering.NameMatcher(["Big Data Platform"])
    text = '<p>A big <a href="/terms/data-platform/">data platform</a>.</p>'
    assert matcher.names_in(text) == {"big data platform"}


def test_name_matcher_finds_a_name_ending_at_a_tag():
    matcher = rendering.NameMatcher(["Cloud"])
    assert matcher.names_in("<p><b>Cloud</b>y skies.</p>") == {"cloud"}


def test_name_matcher_ignores_tags_and_their_attributes():
    matcher = rendering.NameMatcher(["Pod", "Href", "Summary"])
    assert matcher.names_in('<a href="/terms/pod/" data-summary="Pod">here</a>') == set()


def test_name_matcher_finds_whole_words_only():
    matcher = rendering.NameMatcher(["Pod"])
    assert matcher.names_in("An ipod, a podcast, pod-based, multi-pod.") == set()


def test_name_matcher_finds_a_name_with_an_ampersand_in_markdown_and_in_html():
    matcher = rendering.NameMatcher(["R&D"])
    assert matcher.names_in("R&D teams") == matcher.names_in("R&amp;D teams") == {"r&d"}


def test_name_matcher_gives_names_casefolded():
    assert rendering.NameMatcher(["Straße"]).names_in("STRASSE") == {"strasse"}


def test_name_matcher_with_changes_adds_and_removes_names():
    matcher = rendering.NameMatcher(["Pod", "Node"]).with_changes(
        added=["Cluster"], removed=["Pod"]
    )
    assert matcher.names_in("A pod on a node in a cluster.") == {"node", "cluster"}


def test_name_matcher_with_changes_leaves_the_original_alone():
    matcher = rendering.NameMatcher(["Pod", "Node"])
    matcher.with_changes(added=["Cluster"], removed=["Pod"])
    assert matcher.names_in("A pod on a node in a cluster.") == {"pod", "node"}


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("Kubernetes", "KUBERNETES"),
        ("Straße", "STRASSE"),
        ("Straße", "Straße"),
        ("µs", "μs"),
        ("Σύστημα", "ΣΎΣΤΗΜΑ"),
        ("λόγος", "λόγοσ"),
        ("Kelvin", "\u212aelvin"),
        ("ıd", "Id"),
        ("id", "\u0130d"),
        ("ﬆ", "ﬅ"),
    ],
)
def test_name_matcher_compares_case_as_python_regular_expressions_do(name, text):
    expected = bool(re.fullmatch(re.escape(name.casefold()), text, re.IGNORECASE))
    assert bool(rendering.NameMatcher([name]).names_in(text)) == expected


def regex_of_every_name(names):
    """The auto-linking rules as one regular expression: every name, longest first."""
    alternatives = "|".join(
        re.escape(html.escape(name, quote=False)) for name in sorted(names, key=len, reverse=True)
    )
    return re.compile(rf"(?<![\w&#-])(?:{alternatives})(?:e?s)?(?![\w-])", re.IGNORECASE)


def test_name_matcher_links_what_a_regex_of_every_name_links():
    # Letters whose case pairs are odd, and the punctuation the rules care about. U+0345 is
    # left out: re lets that combining mark match ι, the matcher keeps it a non-word character.
    alphabet = "abcesESAB0_-&#;./+ ßſıİςσΣµμKéÉﬅﬆΐΐ"
    rng = random.Random(7)

    def some(longest):
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, longest)))

    for _ in range(300):
        names = list(dict.fromkeys(some(8).casefold() for _ in range(rng.randint(1, 12))))
        parts = [
            rng.choice(names).upper() + rng.choice(["", "s", "es"])
            if rng.random() < 0.5
            else some(4)
            for _ in range(rng.randint(1, 10))
        ]
        text = html.escape("".join(parts), quote=False)
        expected = regex_of_every_name(names).sub(lambda match: f"[{match.group(0)}]", text)
        assert rendering.NameMatcher(names).sub(lambda mention: f"[{mention}]", text) == expected


# LinkIndex.with_changes: the index after a write, without reading every term again.


def row(id_, name, aliases=()):
    return (id_, name, f"term-{id_}", f"About {name}.", list(aliases))


ROWS = [
    row(1, "Object Storage", ["Blob Store"]),
    row(2, "Bucket"),
    row(3, "Large Language Model (LLM)"),
    row(4, "Alpha", ["Model"]),
    row(5, "Beta", ["Model"]),
]
TEXT = "A bucket in a blob store, an LLM, a model, a pipeline and vector databases."


def linked_in(text, index):
    return re.findall(r'<a href="/terms/([^/]+)/"', rendering.render_definition(text, index)[0])


@pytest.mark.parametrize("matcher_built", [False, True])
def test_index_with_changes_equals_an_index_built_from_the_changed_rows(matcher_built):
    index = rendering.LinkIndex(ROWS)
    if matcher_built:
        linked_in(TEXT, index)
    changes = [row(2, "Pail", ["Pipeline"]), row(6, "Vector Database")]
    changed = index.with_changes(changes, removed_ids=[1, 4])
    rebuilt = rendering.LinkIndex([ROWS[2], ROWS[4], *changes])
    assert changed.by_name == rebuilt.by_name
    assert linked_in(TEXT, changed) == ["term-3", "term-5", "term-2", "term-6"]


def test_index_with_changes_leaves_the_original_index_alone():
    index = rendering.LinkIndex(ROWS)
    before = linked_in(TEXT, index), dict(index.by_name)
    index.with_changes([row(2, "Pail", ["Pipeline"]), row(6, "Vector Database")], [1, 4])
    assert (linked_in(TEXT, index), index.by_name) == before


def test_index_with_changes_hands_a_shared_alias_to_the_next_term_by_name():
    index = rendering.LinkIndex(ROWS).with_changes([], removed_ids=[4])
    assert index.get("model").name == "Beta"


def test_index_with_changes_gives_an_alias_back_its_link_when_the_name_beating_it_goes():
    index = rendering.LinkIndex([*ROWS, row(6, "Pipeline"), row(7, "Workflow", ["Pipeline"])])
    assert index.with_changes([], removed_ids=[6]).get("pipeline").name == "Workflow"


def test_index_with_changes_links_a_renamed_term_by_its_new_name_only():
    index = rendering.LinkIndex(ROWS)
    linked_in(TEXT, index)
    renamed = index.with_changes([row(2, "Pail")])
    assert "term-2" not in linked_in("A bucket.", renamed)
    assert "term-2" in linked_in("A pail.", renamed)


def test_index_is_the_same_whatever_the_order_of_its_rows():
    assert rendering.LinkIndex(ROWS).by_name == rendering.LinkIndex(ROWS[::-1]).by_name
