import pytest

from terms.search import parse
from terms.search.snippets import Highlighter, plain


def snippet(query, *texts):
    return Highlighter(parse(query)).snippet(texts)


@pytest.mark.parametrize(
    ("query", "text", "marked"),
    [
        ("training", "Jobs trained on GPUs.", "<mark>trained</mark>"),  # same stem
        ("policy", "Scaling policies decide.", "<mark>policies</mark>"),  # y -> i
        ("policies", "A policy decides.", "<mark>policy</mark>"),
        ("kub*", "Runs on Kubernetes.", "<mark>Kubernetes</mark>"),  # prefix, any case
        (
            '"object storage"',
            "Stored on object storage.",
            "<mark>object</mark> <mark>storage</mark>",
        ),
        ("s3", "Amazon S3 buckets.", "<mark>S3</mark>"),
        ("データ", "分析 データ 基盤", "<mark>データ</mark>"),
    ],
)
def test_marks_the_words_the_index_matches(query, text, marked):
    assert marked in snippet(query, text)


def test_does_not_mark_words_that_only_start_alike():
    # "train" is a prefix of "trainee", but not its stem: only a prefix query marks it.
    assert snippet("train", "A trainee trains.") == "A trainee <mark>trains</mark>."
    assert snippet("train*", "A trainee.") == "A <mark>trainee</mark>."


def test_excluded_words_are_not_marked():
    assert snippet("storage -object", "object storage") == "object <mark>storage</mark>"


def test_takes_the_first_text_that_holds_a_query_word():
    assert (
        snippet("zircon", "Nothing here.", "", "Made of zircon.") == "Made of <mark>zircon</mark>."
    )
    assert snippet("zircon", "Nothing here.", None) == ""


def test_shows_the_passage_around_the_match_on_word_breaks():
    text = (
        " ".join(f"word{i}" for i in range(100))
        + " quokka "
        + " ".join(f"tail{i}" for i in range(100))
    )
    shown = snippet("quokka", text)
    assert shown.startswith("… word") and shown.endswith(" …")
    assert "<mark>quokka</mark>" in shown
    words = shown.split()
    assert all(w.startswith(("word", "tail", "…", "<mark>")) for w in words)  # none cut
    assert 15 <= len(words) <= 35


def test_prefers_the_passage_with_more_query_words():
    text = "Quokka first. " + "filler " * 60 + "Then quokka and wombat together."
    shown = snippet("quokka wombat", text)
    assert "<mark>quokka</mark> and <mark>wombat</mark>" in shown


def test_escapes_everything_but_the_marks():
    shown = snippet("zircon", 'A <script>"x"</script> & zircon.')
    assert shown == "A &lt;script&gt;&quot;x&quot;&lt;/script&gt; &amp; <mark>zircon</mark>."


def test_shows_plain_text_not_markdown():
    assert plain("See [[Edge Cache|the edge]], [[CDN]], [docs](https://x.test/a) and `**x**`.") == (
        "See the edge, CDN, docs and x."
    )


def test_quotes_characters_that_belong_to_the_text():
    assert snippet("zircon", "Set max_tokens in C# > 2 for zircon.") == (
        "Set max_tokens in C# &gt; 2 for <mark>zircon</mark>."
    )


def test_a_query_without_positive_words_marks_nothing():
    assert snippet("-zircon", "zircon") == ""
