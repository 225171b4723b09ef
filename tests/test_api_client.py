"""The proof that the schema is usable: a typed client generated from it by
openapi-python-client, driven against a live server on the test database."""

import importlib
import importlib.util
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client as DjangoClient
from rest_framework.authtoken.models import Token

from terms.importers import export_term
from terms.models import Provider, ProviderEquivalent, Term

from .conftest import make_term

PACKAGE = "glossary_api_client"
GENERATOR = Path(sys.executable).parent / "openapi-python-client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory, django_db_blocker):
    """The client package generated from the schema the app serves, imported."""
    workdir = tmp_path_factory.mktemp("client")
    with django_db_blocker.unblock():
        response = DjangoClient().get("/api/v1/schema/", {"format": "json"})
    (workdir / "schema.json").write_bytes(response.content)
    # No post-hooks: they run ruff over the generated code, which adds nothing to the proof.
    (workdir / "config.yml").write_text("post_hooks: []\n")
    result = subprocess.run(
        [GENERATOR, "generate", "--path", "schema.json", "--config", "config.yml"]
        + ["--output-path", "out", "--fail-on-warning"],
        cwd=workdir,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(workdir / "out"))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(workdir / "out"))
        for name in [n for n in sys.modules if n.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def module(name):
    return importlib.import_module(f"{PACKAGE}.{name}")


@pytest.fixture
def glossary(transactional_db):
    """Terms committed where the live server's thread sees them."""
    # A transactional test's flush removed the providers the data migration made.
    importlib.import_module("terms.migrations.0002_initial_data").create(apps, None)
    training = make_term("Model Training", children=2, aliases=["Training"])
    inference = make_term("Model Inference", difficulty="intermediate")
    storage = make_term("Object Storage", category="storage", difficulty="advanced")
    ProviderEquivalent.objects.create(
        term=storage, provider=Provider.objects.get(slug="aws"), service="Amazon S3"
    )
    ProviderEquivalent.objects.create(
        term=storage, provider=Provider.objects.get(slug="azure"), service="Azure Blob Storage"
    )
    training.related_terms.add(inference)
    return training


@pytest.fixture
def anonymous(generated, live_server, glossary):
    return generated.Client(base_url=live_server.url, raise_on_unexpected_status=True)


@pytest.fixture
def editor_client(generated, live_server, glossary, editor):
    token = Token.objects.create(user=editor).key
    return generated.AuthenticatedClient(
        base_url=live_server.url, token=token, prefix="Token", raise_on_unexpected_status=True
    )


def test_the_generator_accepts_the_schema_without_warnings(generated):
    assert importlib.util.find_spec(f"{PACKAGE}.api.terms.terms_create") is not None


def test_the_client_lists_terms_with_filters(anonymous):
    terms_list = module("api.terms.terms_list")
    difficulty = module("models.terms_list_difficulty_item").TermsListDifficultyItem

    # The client repeats a list's parameter, where the API reads one comma-separated value
    # (the schema's `explode: false`): several values go as one comma-joined item.
    page = terms_list.sync(
        client=anonymous, category=["ai-ml,storage"], difficulty=[difficulty.ADVANCED]
    )

    assert [term.slug for term in page.results] == ["object-storage"]
    assert page.count == 1 and page.next_ is None
    assert isinstance(page.results[0].updated_at, datetime)


def test_the_client_reads_a_term_typed(anonymous):
    term = module("api.terms.terms_retrieve").sync("model-training", client=anonymous)

    assert isinstance(term, module("models.term_detail").TermDetail)
    assert term.slug == "model-training" and term.aliases == ["Training"]
    assert term.difficulty.value == "beginner"
    assert [link.slug for link in term.related_terms] == ["model-inference"]
    assert [faq.answer_html for faq in term.faqs][0].startswith("<p>")


def test_the_client_reads_a_missing_term_as_an_error(anonymous):
    response = module("api.terms.terms_retrieve").sync_detailed("no-such-term", client=anonymous)

    assert response.status_code == 404
    assert [(e.code, e.field) for e in response.parsed.errors] == [("not_found", None)]


def test_the_client_looks_up_equivalents_as_one_object(anonymous):
    lookup = module("api.equivalents.equivalents_lookup")

    found = lookup.sync(client=anonymous, provider="aws", service="Amazon S3")

    assert found.provider.slug == "aws"
    [match] = found.results
    assert (match.term.slug, match.matched_on.value) == ("object-storage", "service")
    assert [(e.provider.slug, e.service) for e in match.equivalents] == [
        ("azure", "Azure Blob Storage")
    ]


def test_the_client_gets_a_term_in_the_text_format(anonymous, glossary):
    text = module("api.terms.terms_text_retrieve").sync("model-training", client=anonymous)

    stored = Term.objects.with_related().get(slug="model-training")
    assert text == export_term(stored)
    # The same entry as `?format=txt` on the detail URL gives, for clients that build URLs.
    http = anonymous.get_httpx_client()
    assert http.get("/api/v1/terms/model-training/", params={"format": "txt"}).text == text


def write_request(generated, **fields):
    models = module("models")
    return models.TermWriteRequest(
        name="Block Storage",
        definition="Storage that keeps data in fixed-size blocks. Disks are made of it.",
        category="storage",
        difficulty=models.DifficultyEnum.INTERMEDIATE,
        aliases=["Block volume"],
        faqs=[models.FAQWriteRequest(question="Is it a disk?", answer="It backs one.")],
        provider_equivalents=[
            models.ProviderEquivalentWriteRequest(provider="aws", service="Amazon EBS")
        ],
        related_terms=["object-storage"],
        **fields,
    )


def test_the_client_creates_a_term_with_its_children(generated, editor_client):
    create = module("api.terms.terms_create")

    response = create.sync_detailed(client=editor_client, body=write_request(generated))

    assert response.status_code == 201
    assert response.parsed.slug == "block-storage"
    assert [faq.question for faq in response.parsed.faqs] == ["Is it a disk?"]
    assert response.headers["ETag"]
    term = Term.objects.get(slug="block-storage")
    assert [e.service for e in term.provider_equivalents.all()] == ["Amazon EBS"]


def test_the_client_patches_aliases_without_doubling_them(generated, editor_client):
    patch = module("api.terms.terms_partial_update")
    body = module("models").PatchedTermWriteRequest(aliases=["WORM", "Immutable storage"])

    changed = patch.sync("object-storage", client=editor_client, body=body)

    assert changed.aliases == ["WORM", "Immutable storage"]
    assert Term.objects.get(slug="object-storage").aliases == ["WORM", "Immutable storage"]


def test_the_client_deletes_a_term(generated, editor_client, anonymous):
    destroy = module("api.terms.terms_destroy")

    assert destroy.sync_detailed("model-inference", client=editor_client).status_code == 204
    gone = module("api.terms.terms_retrieve").sync_detailed("model-inference", client=anonymous)
    assert gone.status_code == 404


def test_the_client_gets_field_errors_with_codes(generated, editor_client):
    create = module("api.terms.terms_create")
    body = write_request(generated)
    body.faqs[0].answer = ""
    body.provider_equivalents[0].provider = "ibm"

    response = create.sync_detailed(client=editor_client, body=body)

    assert response.status_code == 400
    errors = {(e.field, e.code) for e in response.parsed.errors}
    assert errors == {
        ("faqs[0].answer", "blank"),
        ("provider_equivalents[0].provider", "does_not_exist"),
    }


def test_the_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.json"
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", "--file", out
    )
    assert "/api/v1/terms/{slug}/text/" in json.loads(out.read_text())["paths"]
