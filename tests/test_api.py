import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import http_date
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from terms import serializers
from terms.importers import export_term
from terms.models import FAQ, Provider, ProviderEquivalent, Term, UseCase

from .conftest import age_content, error_messages, make_category, make_term

API = "/api/v1"


@pytest.fixture
def reader_api(db, django_user_model):
    """Signed in with a token, but without any permission on the glossary."""
    user = django_user_model.objects.create_user("reader", password="s3cret-pass!")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def names(response):
    return [item["name"] for item in response.json()["results"]]


def web(path):
    return f"http://testserver{path}"


def term_payload(**overrides):
    payload = {
        "name": "Object Storage",
        "definition": "Storage that keeps data as objects. It scales far.",
        "category": "storage",
        "difficulty": "beginner",
        "aliases": ["Blob storage"],
        "use_cases": [
            {"organization": "Airbnb", "title": "Photos", "description": "D1", "outcome": "O1"},
            {"organization": "Dropbox", "title": "Files", "description": "D2", "outcome": "O2"},
        ],
        "provider_equivalents": [
            {"provider": "aws", "service": "Amazon S3", "note": "", "url": "https://aws.amazon.com/s3/"},
            {"provider": "azure", "service": "Azure Blob Storage", "note": "hot tier", "url": ""},
        ],
        "faqs": [{"question": "Is it a file system?", "answer": "No: *objects* have no folders."}],
        "related_terms": [],
        "see_also": [],
    }  # fmt: skip
    make_category("storage")
    return {**payload, **overrides}


# Term list


def test_term_list_items_are_summaries(api, term):
    term.aliases = ["Training"]
    term.save()

    item = api.get(f"{API}/terms/").json()["results"][0]

    assert item == {
        "id": term.pk,
        "name": "Model Training",
        "slug": "model-training",
        "url": web("/api/v1/terms/model-training/"),
        "html_url": web(term.get_absolute_url()),
        "category": {"slug": "ai-ml", "name": term.category.name},
        "difficulty": "beginner",
        "aliases": ["Training"],
        "summary": "Model Training is a thing worth knowing.",
        "updated_at": term.updated_at.isoformat().replace("+00:00", "Z"),
        "changed_at": serializers.iso_datetime(Term.objects.get(pk=term.pk).changed_at),
    }


def test_term_list_is_paginated_with_count_and_links(api, db):
    for i in range(3):
        make_term(f"Term {i}")

    body = api.get(f"{API}/terms/", {"page_size": 2}).json()

    assert body["count"] == 3
    assert [item["name"] for item in body["results"]] == ["Term 0", "Term 1"]
    assert body["next"] == "http://testserver/api/v1/terms/?page=2&page_size=2"
    assert body["previous"] is None


def test_term_list_page_size_of_100_lists_100(api, db):
    Term.objects.bulk_create(
        Term(name=f"T{i:03}", slug=f"t{i:03}", definition="x", category=make_category(),
             difficulty="beginner", status="published", published_at=timezone.now())
        for i in range(101)
    )  # fmt: skip

    body = api.get(f"{API}/terms/", {"page_size": 100}).json()

    assert len(body["results"]) == 100


def test_term_list_page_past_the_end_is_404(api, term):
    assert api.get(f"{API}/terms/", {"page": 5}).status_code == 404


def test_term_list_sorts_names_ignoring_case(api, db):
    for name in ["beta", "Alpha", "Gamma"]:
        make_term(name)

    assert names(api.get(f"{API}/terms/")) == ["Alpha", "beta", "Gamma"]


# Term detail


def test_term_detail_has_every_field(api, term):
    body = api.get(f"{API}/terms/model-training/").json()

    assert list(body) == [
        "id", "name", "slug", "url", "html_url", "definition", "definition_html", "summary",
        "category",
        "difficulty", "aliases", "use_cases", "provider_equivalents", "faqs", "related_terms",
        "see_also", "status", "created_at", "updated_at", "changed_at",
    ]  # fmt: skip
    assert body["id"] == term.pk
    assert body["url"] == web("/api/v1/terms/model-training/")
    assert body["html_url"] == web("/terms/model-training/")
    assert body["definition"] == term.definition
    assert body["definition_html"] == term.definition_html
    assert body["category"] == {"slug": "ai-ml", "name": term.category.name}


def test_term_detail_children_come_in_editorial_order(api, term):
    UseCase.objects.filter(term=term, position=0).update(position=9)

    body = api.get(f"{API}/terms/model-training/").json()

    assert [u["organization"] for u in body["use_cases"]] == ["Org 1", "Org 2", "Org 0"]
    assert body["use_cases"][0] == {
        "organization": "Org 1",
        "title": "Title 1",
        "description": "Description 1",
        "outcome": "Outcome 1",
    }
    assert [f["question"] for f in body["faqs"]] == ["Question 0?", "Question 1?", "Question 2?"]
    assert body["faqs"][0] == {
        "question": "Question 0?",
        "answer": "Answer 0.",
        "answer_html": FAQ.objects.get(term=term, position=0).answer_html,
    }


def test_term_detail_lists_provider_equivalents_with_their_provider(api, term):
    ProviderEquivalent.objects.filter(term=term, position=0).update(
        note="training jobs", url="https://aws.amazon.com/sagemaker/"
    )

    equivalents = api.get(f"{API}/terms/model-training/").json()["provider_equivalents"]

    assert equivalents[0] == {
        "provider": {"slug": "aws", "short_name": "AWS", "name": "Amazon Web Services"},
        "service": "Model Training Service 0",
        "note": "training jobs",
        "url": "https://aws.amazon.com/sagemaker/",
    }
    assert [e["provider"]["slug"] for e in equivalents] == ["aws", "azure", "gcp"]


def test_term_detail_links_related_terms_and_see_also(api, term):
    inference = make_term("Model Inference")
    drift = make_term("Data Drift")
    term.related_terms.add(inference)
    term.see_also.add(drift)

    body = api.get(f"{API}/terms/model-training/").json()

    assert body["related_terms"] == [
        {
            "name": "Model Inference",
            "slug": "model-inference",
            "url": web("/api/v1/terms/model-inference/"),
            "html_url": web("/terms/model-inference/"),
        }
    ]
    assert body["see_also"] == [
        {
            "name": "Data Drift",
            "slug": "data-drift",
            "url": web("/api/v1/terms/data-drift/"),
            "html_url": web("/terms/data-drift/"),
        }
    ]


def test_unknown_term_is_404(api, db):
    assert api.get(f"{API}/terms/nope/").status_code == 404


def test_term_detail_as_text_is_the_exported_entry(api, term):
    response = api.get(f"{API}/terms/model-training/", {"format": "txt"})

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == export_term(Term.objects.with_related().get(pk=term.pk))


def test_term_detail_negotiates_text_from_the_accept_header(api, term):
    response = api.get(f"{API}/terms/model-training/", HTTP_ACCEPT="text/plain")

    assert response.content.decode() == export_term(Term.objects.with_related().get(pk=term.pk))
    assert "Accept" in response["Vary"]


# Filters


def test_terms_filter_by_category(api, db):
    make_term("Neural Network", category="ai-ml")
    make_term("Object Storage", category="storage")

    assert names(api.get(f"{API}/terms/", {"category": "storage"})) == ["Object Storage"]


def test_terms_filter_by_difficulty(api, db):
    make_term("Easy", difficulty="beginner")
    make_term("Hard", difficulty="advanced")

    assert names(api.get(f"{API}/terms/", {"difficulty": "advanced"})) == ["Hard"]


def test_terms_filter_by_provider(api, db):
    make_term("Everywhere", children=4)
    make_term("Nowhere")
    only_aws = make_term("Only AWS")
    ProviderEquivalent.objects.create(
        term=only_aws, provider=Provider.objects.get(slug="aws"), service="S"
    )

    assert names(api.get(f"{API}/terms/", {"provider": "oci"})) == ["Everywhere"]
    assert names(api.get(f"{API}/terms/", {"provider": "aws"})) == ["Everywhere", "Only AWS"]


def test_terms_filter_by_first_letter(api, db):
    make_term("Kubernetes")
    make_term("kernel")
    make_term("3D Rendering")

    assert set(names(api.get(f"{API}/terms/", {"letter": "k"}))) == {"kernel", "Kubernetes"}
    assert names(api.get(f"{API}/terms/", {"letter": "#"})) == ["3D Rendering"]


def test_terms_filter_by_updated_since(api, db):
    old = make_term("Old")
    make_term("New")
    Term.objects.filter(pk=old.pk).update(changed_at=timezone.now() - datetime.timedelta(days=3))
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()

    assert names(api.get(f"{API}/terms/", {"updated_since": since})) == ["New"]


def test_updated_since_accepts_any_offset_python_does(api, db):
    # PostgreSQL refuses offsets beyond ±15:59; the filter compares in UTC.
    make_term("New")
    response = api.get(f"{API}/terms/", {"updated_since": "0224-12-21T14:05:00+19:40"})
    assert response.status_code == 200
    assert names(response) == ["New"]


def test_updated_since_out_of_range_in_utc_is_400(api, db):
    response = api.get(f"{API}/terms/", {"updated_since": "0001-01-01T00:00:00+05:00"})
    assert response.status_code == 400
    assert "years 1 and 9999" in error_messages(response)["updated_since"][0]


def test_terms_search_ranks_name_matches_first(api, db):
    make_term("Data Lake", definition="Raw data kept in object storage for later analysis.")
    make_term("Object Storage", definition="Keeps blobs in buckets.")
    make_term("Block Storage", definition="Disks for virtual machines.")

    assert names(api.get(f"{API}/terms/", {"search": "object storage"})) == [
        "Object Storage",
        "Data Lake",
    ]


def test_terms_search_with_ordering_sorts_the_matches(api, db):
    make_term("Object Storage", definition="Keeps blobs in buckets.")
    make_term("Data Lake", definition="Raw data kept in object storage for later analysis.")

    response = api.get(f"{API}/terms/", {"search": "object storage", "ordering": "name"})

    assert names(response) == ["Data Lake", "Object Storage"]


def test_terms_ordering_by_recent_change(api, db):
    first = make_term("First")
    make_term("Second")
    first.save()

    assert names(api.get(f"{API}/terms/", {"ordering": "-updated_at"})) == ["First", "Second"]


def test_terms_ordering_naming_no_field_keeps_name_order(api, db):
    make_term("Beta")
    make_term("Alpha")

    assert names(api.get(f"{API}/terms/", {"ordering": ","})) == ["Alpha", "Beta"]


def test_terms_ordering_by_name_ignores_case(api, db):
    for name in ["beta", "Alpha", "Gamma"]:
        make_term(name)

    assert names(api.get(f"{API}/terms/", {"ordering": "-name"})) == ["Gamma", "beta", "Alpha"]


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("category", "no-such-category"),
        ("difficulty", "impossible"),
        ("provider", "ibm"),
        ("letter", "ab"),
        ("updated_since", "yesterday"),
        ("ordering", "definition"),
    ],
)
def test_unknown_filter_value_is_400_with_a_message(api, db, param, value):
    response = api.get(f"{API}/terms/", {param: value})

    assert response.status_code == 400
    assert error_messages(response)[param][0]


# Categories, providers, equivalents


def test_category_list_counts_terms(api, db):
    make_term("A", category="storage")
    make_term("B", category="storage")

    assert api.get(f"{API}/categories/").json() == [
        {
            "slug": "storage",
            "name": make_category("storage").name,
            "description": "",
            "url": web("/api/v1/categories/storage/"),
            "html_url": web("/categories/storage/"),
            "term_count": 2,
        }
    ]


def test_category_detail_lists_its_terms(api, db):
    make_term("Zone", category="storage")
    make_term("Archive", category="storage")

    body = api.get(f"{API}/categories/storage/").json()

    assert [t["slug"] for t in body["terms"]] == ["archive", "zone"]


def test_provider_list_counts_terms_with_a_service(api, term):
    providers = api.get(f"{API}/providers/").json()

    assert [(p["slug"], p["term_count"]) for p in providers] == [
        ("aws", 1),
        ("azure", 1),
        ("gcp", 1),
        ("oci", 0),
    ]
    assert providers[0]["website"] == "https://aws.amazon.com/"


def test_provider_detail_groups_terms_by_service(api, db):
    aws = Provider.objects.get(slug="aws")
    for name in ("Model Training", "Model Serving"):
        t = make_term(name)
        ProviderEquivalent.objects.create(term=t, provider=aws, service="Amazon SageMaker")
    ProviderEquivalent.objects.create(
        term=make_term("Object Storage"), provider=aws, service="Amazon S3"
    )

    services = api.get(f"{API}/providers/aws/").json()["services"]

    assert [(s["service"], [t["slug"] for t in s["terms"]]) for s in services] == [
        ("Amazon S3", ["object-storage"]),
        ("Amazon SageMaker", ["model-serving", "model-training"]),
    ]


def test_equivalents_map_a_service_to_the_other_providers(api, db):
    storage = make_term("Object Storage")
    for slug, service in [
        ("aws", "Amazon S3"),
        ("azure", "Azure Blob Storage"),
        ("gcp", "Cloud Storage"),
    ]:
        ProviderEquivalent.objects.create(term=storage, provider=Provider.objects.get(slug=slug), service=service)  # fmt: skip

    body = api.get(f"{API}/equivalents/", {"provider": "aws", "service": "amazon s3"}).json()

    assert body["provider"]["slug"] == "aws"
    assert [r["term"]["slug"] for r in body["results"]] == ["object-storage"]
    assert [(e["provider"]["slug"], e["service"]) for e in body["results"][0]["equivalents"]] == [
        ("azure", "Azure Blob Storage"),
        ("gcp", "Cloud Storage"),
    ]


@pytest.fixture
def renamed(db):
    """Kubernetes on AWS under a service renamed once, with its abbreviation in the note,
    and a Container term whose note mentions the same abbreviation."""
    aws = Provider.objects.get(slug="aws")
    kubernetes = make_term("Kubernetes")
    ProviderEquivalent.objects.create(
        term=kubernetes,
        provider=aws,
        service="Amazon Elastic Kubernetes Service",
        note="EKS",
        former_names=["Amazon Container Kubernetes"],
    )
    container = make_term("Container")
    ProviderEquivalent.objects.create(term=container, provider=aws, service="Amazon EKS")
    ProviderEquivalent.objects.create(
        term=make_term("Pod"), provider=aws, service="Amazon ECS", note="tasks; EKS pods"
    )


def equivalents(api, service, provider="aws"):
    body = api.get(f"{API}/equivalents/", {"provider": provider, "service": service}).json()
    return [(r["term"]["slug"], r["matched_on"]) for r in body["results"]]


def test_equivalents_find_a_service_by_its_former_name(api, renamed):
    assert equivalents(api, "amazon container kubernetes") == [("kubernetes", "former_name")]


def test_equivalents_find_a_service_by_a_word_of_its_note_after_exact_names(api, renamed):
    assert equivalents(api, "Amazon EKS") == [("container", "service")]
    assert equivalents(api, "eks") == [("kubernetes", "note"), ("pod", "note")]


def test_equivalents_match_notes_only_on_the_providers_side(api, renamed):
    assert equivalents(api, "EKS", provider="azure") == []


def test_equivalents_say_they_matched_a_service_by_name(api, term):
    assert equivalents(api, "Model Training Service 0") == [("model-training", "service")]


def test_equivalents_of_an_unmapped_service_are_empty(api, term):
    body = api.get(f"{API}/equivalents/", {"provider": "aws", "service": "Amazon Nothing"}).json()

    assert body["results"] == []


def test_equivalents_need_a_known_provider_and_a_service(api, db):
    response = api.get(f"{API}/equivalents/", {"provider": "ibm"})

    assert response.status_code == 400
    assert set(error_messages(response)) == {"provider", "service"}


def test_a_provider_no_slug_can_be_is_not_found(api, db):
    # PostgreSQL refuses text with a NUL byte: it is answered as unknown, never asked.
    response = api.get(f"{API}/equivalents/", {"provider": "a\x00b", "service": "S3"})

    assert response.status_code == 400
    assert "does not exist" in error_messages(response)["provider"][0]


def test_a_term_in_a_category_no_slug_can_be_is_refused(editor_api, db):
    make_category("storage")
    response = editor_api.post(f"{API}/terms/", term_payload(category="st\x00rage"), format="json")

    assert response.status_code == 400
    assert "does not exist" in error_messages(response)["category"][0]
    assert not Term.objects.exists()


# Writes and permissions


def test_anonymous_clients_cannot_write(api, term):
    assert api.post(f"{API}/terms/", term_payload(), format="json").status_code == 401
    assert api.patch(f"{API}/terms/model-training/", {"difficulty": "advanced"}).status_code == 401
    assert api.delete(f"{API}/terms/model-training/").status_code == 401


def test_signed_in_users_without_permission_can_read_but_not_write(reader_api, term):
    assert reader_api.get(f"{API}/terms/model-training/").status_code == 200
    assert reader_api.post(f"{API}/terms/", term_payload(), format="json").status_code == 403
    assert reader_api.delete(f"{API}/terms/model-training/").status_code == 403


def test_change_permission_alone_does_not_allow_delete(reader_api, term, django_user_model):
    user = django_user_model.objects.get(username="reader")
    # The term is published: changing it needs publish_term too (tests/test_roles.py).
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["change_term", "publish_term"])
    )

    assert (
        reader_api.patch(f"{API}/terms/model-training/", {"difficulty": "advanced"}).status_code
        == 200
    )
    assert reader_api.delete(f"{API}/terms/model-training/").status_code == 403


def test_editor_creates_a_term_with_its_children_in_one_request(editor_api, db):
    make_term("Block Storage")

    response = editor_api.post(
        f"{API}/terms/", term_payload(related_terms=["block-storage"]), format="json"
    )

    assert response.status_code == 201
    term = Term.objects.with_related().get(slug="object-storage")
    assert term.definition_html == "<p>Storage that keeps data as objects. It scales far.</p>"
    assert [u.organization for u in term.use_cases.all()] == ["Airbnb", "Dropbox"]
    assert [(e.provider.slug, e.service) for e in term.provider_equivalents.all()] == [
        ("aws", "Amazon S3"),
        ("azure", "Azure Blob Storage"),
    ]
    assert [f.answer_html for f in term.faqs.all()] == [
        "<p>No: <em>objects</em> have no folders.</p>"
    ]
    assert [t.slug for t in term.related_terms.all()] == ["block-storage"]
    assert response.json()["url"] == web("/api/v1/terms/object-storage/")
    assert response["Location"] == web("/api/v1/terms/object-storage/")


def test_a_created_term_is_found_by_its_services(editor_api, api, db):
    editor_api.post(f"{API}/terms/", term_payload(), format="json")

    assert names(api.get(f"{API}/terms/", {"search": "Azure Blob"})) == ["Object Storage"]


def test_editor_patch_replaces_only_the_lists_given(editor_api, term):
    response = editor_api.patch(
        f"{API}/terms/model-training/",
        {"faqs": [{"question": "New?", "answer": "Yes."}]},
        format="json",
    )

    assert response.status_code == 200
    assert [f["question"] for f in response.json()["faqs"]] == ["New?"]
    assert term.use_cases.count() == 3


def test_editor_put_replaces_the_term(editor_api, term):
    payload = term_payload(name="Model Training", slug="model-training", use_cases=[])

    response = editor_api.put(f"{API}/terms/model-training/", payload, format="json")

    assert response.status_code == 200
    term.refresh_from_db()
    assert term.category.slug == "storage"
    assert term.use_cases.count() == 0


def test_editor_deletes_a_term_into_the_trash_with_its_children(editor_api, term):
    response = editor_api.delete(f"{API}/terms/model-training/")

    assert response.status_code == 204
    assert not Term.objects.exists()
    assert UseCase.objects.filter(term=term).exists()  # kept for a restore (tests/test_trash.py)


def test_a_bad_faq_leaves_the_term_unchanged(editor_api, term):
    before = api_snapshot(term)

    response = editor_api.patch(
        f"{API}/terms/model-training/",
        {
            "name": "Renamed",
            "use_cases": [],
            "faqs": [{"question": "Fine?", "answer": "Yes."}, {"question": "Bad?", "answer": ""}],
        },
        format="json",
    )

    assert response.status_code == 400
    assert api_snapshot(term) == before


def api_snapshot(term):
    term = Term.objects.with_related().get(pk=term.pk)
    return export_term(term), term.updated_at


def test_validation_errors_are_keyed_by_field_path(editor_api, db):
    payload = term_payload()
    del payload["use_cases"][1]["outcome"]
    payload["aliases"] = ["ok", ""]

    response = editor_api.post(f"{API}/terms/", payload, format="json")

    assert response.status_code == 400
    assert set(error_messages(response)) == {"use_cases[1].outcome", "aliases[1]"}
    assert error_messages(response)["use_cases[1].outcome"] == ["This field is required."]


def test_duplicate_service_in_payload_is_400_not_500(editor_api, db):
    payload = term_payload()
    payload["provider_equivalents"][1] = {"provider": "aws", "service": "AMAZON s3"}

    response = editor_api.post(f"{API}/terms/", payload, format="json")

    assert response.status_code == 400
    assert "provider_equivalents[1].service" in error_messages(response)


def test_name_taken_in_another_case_is_400(editor_api, term):
    response = editor_api.post(f"{API}/terms/", term_payload(name="MODEL TRAINING"), format="json")

    assert response.status_code == 400
    assert "name" in error_messages(response)


def test_unknown_related_slug_is_400(editor_api, db):
    response = editor_api.post(f"{API}/terms/", term_payload(see_also=["nope"]), format="json")

    assert response.status_code == 400
    assert error_messages(response) == {"see_also[0]": ["No term has the slug “nope”."]}


def test_a_term_cannot_relate_to_itself(editor_api, term):
    response = editor_api.patch(
        f"{API}/terms/model-training/", {"related_terms": ["model-training"]}, format="json"
    )

    assert response.status_code == 400


def test_session_signed_in_editor_can_write(editor, db):
    client = APIClient(enforce_csrf_checks=False)
    client.force_login(editor)

    response = client.post(f"{API}/terms/", term_payload(), format="json")

    assert response.status_code == 201


def test_issue_token_prints_a_working_key(editor, capsys):
    call_command("issue_token", "editor")

    key = capsys.readouterr().out.strip()
    assert Token.objects.get(user=editor).key == key


def test_issue_token_for_unknown_user_fails(db):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="nobody"):
        call_command("issue_token", "nobody")


# Caching


def test_term_detail_carries_etag_and_last_modified(api, term):
    age_content()
    term.refresh_from_db()
    response = api.get(f"{API}/terms/model-training/")

    assert response["ETag"]
    assert response["Last-Modified"] == http_date(term.changed_at.timestamp())


def test_term_detail_unchanged_since_etag_is_304_without_body(api, term):
    etag = api.get(f"{API}/terms/model-training/")["ETag"]

    response = api.get(f"{API}/terms/model-training/", HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response.content == b""


def test_term_detail_changed_after_etag_is_200(api, term):
    etag = api.get(f"{API}/terms/model-training/")["ETag"]
    term.difficulty = "advanced"
    term.save()

    assert api.get(f"{API}/terms/model-training/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_term_detail_unmodified_since_is_304(api, term):
    age_content()
    last_modified = api.get(f"{API}/terms/model-training/")["Last-Modified"]

    response = api.get(f"{API}/terms/model-training/", HTTP_IF_MODIFIED_SINCE=last_modified)

    assert response.status_code == 304


def test_term_list_unchanged_since_etag_is_304(api, term):
    age_content()
    term.refresh_from_db()
    first = api.get(f"{API}/terms/")

    response = api.get(f"{API}/terms/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert first["Last-Modified"] == http_date(term.changed_at.timestamp())
    assert response.status_code == 304


# Throttling


@pytest.fixture
def low_rates(monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/minute", "user": "3/minute"}
    )


def test_anonymous_client_over_the_rate_gets_429_with_retry_after(api, term, low_rates):
    for _ in range(2):
        assert api.get(f"{API}/terms/").status_code == 200

    response = api.get(f"{API}/terms/")

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60


def test_signed_in_clients_get_the_higher_user_rate(reader_api, term, low_rates):
    statuses = [reader_api.get(f"{API}/terms/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]


# Query counts


@pytest.fixture
def busy_glossary(db):
    """Enough terms, children and links to expose an N+1 anywhere."""
    terms = [make_term(f"Busy {i:02}", children=4) for i in range(30)]
    terms[0].related_terms.set(terms[1:10])
    terms[0].see_also.set(terms[10:20])
    return terms


def test_term_list_takes_three_queries_for_a_full_page(
    api, busy_glossary, django_assert_max_num_queries
):
    # The page, its count, and the newest change for Last-Modified (terms.changes).
    with django_assert_max_num_queries(3):
        response = api.get(f"{API}/terms/", {"page_size": 50})
    assert len(response.json()["results"]) == 30


def test_term_detail_takes_six_queries_whatever_its_children(
    api, busy_glossary, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        response = api.get(f"{API}/terms/busy-00/")
    assert len(response.json()["related_terms"]) == 9


def test_term_text_takes_the_details_six_queries(api, busy_glossary, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = api.get(f"{API}/terms/busy-00/text/")
    assert response.content.decode().startswith("Busy 00\n")


def test_term_detail_with_token_adds_one_query(
    reader_api, busy_glossary, django_assert_max_num_queries
):
    with django_assert_max_num_queries(7):
        assert reader_api.get(f"{API}/terms/busy-00/").status_code == 200


def test_category_and_provider_pages_take_constant_queries(
    api, busy_glossary, django_assert_max_num_queries
):
    for path, ceiling in [
        ("categories/", 1),
        ("categories/ai-ml/", 2),
        ("providers/", 1),
        ("providers/aws/", 2),
        ("equivalents/?provider=aws&service=Busy%2000%20Service%200", 3),
    ]:
        with django_assert_max_num_queries(ceiling):
            assert api.get(f"{API}/{path}").status_code == 200


def test_term_write_queries_do_not_grow_with_children(editor_api, busy_glossary):
    small = term_payload(name="Small", related_terms=["busy-00"], see_also=["busy-01"])
    small["provider_equivalents"] = small["provider_equivalents"][:1]
    big = term_payload(name="Big", related_terms=[t.slug for t in busy_glossary[:10]])
    big["see_also"] = [t.slug for t in busy_glossary[10:20]]
    big["use_cases"] = big["use_cases"] * 5

    counts = []
    for payload in (small, big):
        with CaptureQueriesContext(connection) as queries:
            assert editor_api.post(f"{API}/terms/", payload, format="json").status_code == 201
        counts.append(len(queries))

    assert counts[0] == counts[1]


# Documentation


def test_schema_is_served_as_openapi_3(api, db):
    response = api.get(f"{API}/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.json()["openapi"].startswith("3.")
    assert "/api/v1/equivalents/" in response.json()["paths"]


def test_schema_documents_what_an_equivalent_matched_on(api, db):
    response = api.get(f"{API}/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    schemas = response.json()["components"]["schemas"]
    matched_on = schemas["EquivalentMatch"]["properties"]["matched_on"]

    assert "former name" in matched_on["description"]
    assert "matched_on" in schemas["EquivalentMatch"]["required"]


@pytest.mark.parametrize("page", ["docs/", "redoc/"])
def test_docs_pages_load_every_script_from_our_own_origin(api, db, page):
    html = api.get(f"{API}/{page}").content.decode()

    assert "/static/drf_spectacular_sidecar/" in html
    assert "<script>" not in html
    assert "https://" not in html


def test_unknown_api_url_is_a_json_404(api, db):
    response = api.get(f"{API}/terms/not a slug/")

    assert response.status_code == 404
    assert response.json() == {
        "errors": [{"code": "not_found", "field": None, "message": "Not found."}]
    }


def test_unknown_api_version_is_a_json_404(api, db):
    response = api.get("/api/v2/terms/")

    assert response.status_code == 404
    assert response.json() == {
        "errors": [{"code": "not_found", "field": None, "message": "Not found."}]
    }


@pytest.mark.parametrize(
    "serializer_class", [serializers.TermSummarySerializer, serializers.TermDetailSerializer]
)
def test_hand_built_term_json_equals_what_drf_fields_would_give(
    busy_glossary, rf, serializer_class
):
    term = Term.objects.with_related().get(slug="busy-00")
    serializer = serializer_class(term, context={"request": rf.get("/")})

    drf_built = super(serializers.FastReadMixin, serializer).to_representation(term)

    assert serializer.data == drf_built
