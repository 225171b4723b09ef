import io
import zipfile

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from terms.models import FAQ, Provider, Term
from tests.conftest import make_category, make_term
from tests.test_textformat import FIVE_MISTAKES, FIVE_PROBLEMS

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:terms_term_add")


def change_url(term):
    return reverse("admin:terms_term_change", args=[term.pk])


def inline_management(prefix, total=0, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def term_form(category, **overrides):
    data = {
        "name": "Object Storage",
        "slug": "object-storage",
        "aliases": "Blob storage\r\nBucket storage",
        "category": str(category.pk),
        "difficulty": "beginner",
        "definition": "Storage for files as objects. Addressed by key.",
        **inline_management("use_cases"),
        **inline_management("provider_equivalents"),
        **inline_management("faqs"),
    }
    data.update(overrides)
    return data


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def test_changelist_lists_terms_with_filters(editor_client, django_assert_max_num_queries):
    for i in range(20):
        make_term(f"Term {i:02}", children=2)
    with django_assert_max_num_queries(15):
        response = editor_client.get(reverse("admin:terms_term_changelist"))
    assert response.status_code == 200
    assert b"Term 19" in response.content


def test_changelist_search_finds_aliases(editor_client):
    make_term("Retrieval-Augmented Generation", aliases=["RAG"])
    make_term("Kubernetes")
    response = editor_client.get(reverse("admin:terms_term_changelist"), {"q": "rag"})
    assert b"Retrieval-Augmented Generation" in response.content
    assert b"Kubernetes" not in response.content


def test_changelist_filters_by_provider(editor_client):
    make_term("With services", children=2)
    make_term("Without services")
    url = reverse("admin:terms_term_changelist")
    changelist = editor_client.get(url).context["cl"]
    spec = next(s for s in changelist.filter_specs if s.title == "provider")
    aws = next(c for c in spec.choices(changelist) if c["display"] == "AWS")
    response = editor_client.get(url + aws["query_string"])
    assert list(response.context["cl"].result_list) == [Term.objects.get(name="With services")]


def test_add_term_with_inlines(editor_client):
    category = make_category("storage")
    aws = Provider.objects.get(slug="aws")
    data = term_form(
        category,
        **inline_management("use_cases", total=1),
        **{
            "use_cases-0-organization": "Acme",
            "use_cases-0-title": "Backups",
            "use_cases-0-description": "Keeps nightly backups.",
            "use_cases-0-outcome": "Restores in minutes.",
            "use_cases-0-position": "0",
        },
        **inline_management("provider_equivalents", total=1),
        **{
            "provider_equivalents-0-provider": str(aws.pk),
            "provider_equivalents-0-service": "Amazon S3",
            "provider_equivalents-0-former_names": "",
            "provider_equivalents-0-position": "0",
        },
        **inline_management("faqs", total=1),
        **{
            "faqs-0-question": "Is it a file system?",
            "faqs-0-answer": "No, it is *flat*.",
            "faqs-0-position": "0",
        },
    )
    response = editor_client.post(ADD_URL, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    term = Term.objects.get(slug="object-storage")
    assert term.aliases == ["Blob storage", "Bucket storage"]
    assert term.use_cases.get().organization == "Acme"
    assert term.provider_equivalents.get().service == "Amazon S3"
    assert term.faqs.get().answer_html == "<p>No, it is <em>flat</em>.</p>"


def test_change_term_edits_an_inline(editor_client):
    term = make_term("Object Storage", category="storage", children=1)
    use_case = term.use_cases.get()
    equivalent = term.provider_equivalents.get()
    faq = term.faqs.get()
    data = term_form(
        term.category,
        **inline_management("use_cases", total=1, initial=1),
        **{
            "use_cases-0-id": str(use_case.pk),
            "use_cases-0-term": str(term.pk),
            "use_cases-0-organization": "Renamed Org",
            "use_cases-0-title": use_case.title,
            "use_cases-0-description": use_case.description,
            "use_cases-0-outcome": use_case.outcome,
            "use_cases-0-position": "0",
        },
        **inline_management("provider_equivalents", total=1, initial=1),
        **{
            "provider_equivalents-0-id": str(equivalent.pk),
            "provider_equivalents-0-term": str(term.pk),
            "provider_equivalents-0-provider": str(equivalent.provider_id),
            "provider_equivalents-0-service": equivalent.service,
            "provider_equivalents-0-former_names": "Old Name\r\nOlder Name",
            "provider_equivalents-0-position": "0",
        },
        **inline_management("faqs", total=1, initial=1),
        **{
            "faqs-0-id": str(faq.pk),
            "faqs-0-term": str(term.pk),
            "faqs-0-question": faq.question,
            "faqs-0-answer": faq.answer,
            "faqs-0-position": "0",
            "faqs-0-DELETE": "on",
        },
    )
    response = editor_client.post(change_url(term), data)
    assert response.status_code == 302
    assert term.use_cases.get().organization == "Renamed Org"
    assert term.provider_equivalents.get().former_names == ["Old Name", "Older Name"]
    assert not term.faqs.exists()


def test_change_page_shows_inlines_and_view_on_site(editor_client):
    term = make_term("Object Storage", children=2)
    response = editor_client.get(change_url(term))
    assert response.status_code == 200
    assert b"Provider equivalents" in response.content
    content_type = ContentType.objects.get_for_model(Term)
    view_on_site = reverse("admin:view_on_site", args=[content_type.pk, term.pk])
    assert view_on_site.encode() in response.content


def test_admin_term_page_warns_about_links_to_missing_terms(editor_client):
    term = make_term("Bucket", definition="See [[Nowhere Term]].")
    FAQ.objects.create(term=term, question="Where?", answer="In [[Elsewhere]].")
    page = editor_client.get(change_url(term)).content.decode()
    assert "<strong>[[Nowhere Term]]</strong>, <strong>[[Elsewhere]]</strong>" in page


def test_admin_term_page_has_no_link_warning_when_every_link_resolves(editor_client):
    make_term("Object Storage")
    term = make_term("Bucket", definition="See [[Object Storage]].")
    page = editor_client.get(change_url(term)).content.decode()
    assert "match no term" not in page


def test_name_differing_only_by_case_is_refused_on_the_field(editor_client):
    make_term("Object Storage")
    data = term_form(make_category("storage"), name="object storage", slug="object-storage-2")
    response = editor_client.post(ADD_URL, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "already exists" in errors["name"][0]


def test_term_cannot_relate_to_itself(editor_client):
    term = make_term("Object Storage", category="storage")
    data = term_form(term.category, related_terms=[str(term.pk)], see_also=[str(term.pk)])
    response = editor_client.post(change_url(term), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["related_terms"] == ["A term cannot link to itself."]
    assert errors["see_also"] == ["A term cannot link to itself."]


def test_related_terms_autocomplete_searches_terms(editor_client):
    make_term("Kubernetes")
    response = editor_client.get(
        reverse("admin:autocomplete"),
        {"term": "kube", "app_label": "terms", "model_name": "term", "field_name": "related_terms"},
    )
    assert [r["text"] for r in response.json()["results"]] == ["Kubernetes"]


def test_download_action_exports_selected_terms_as_entries(editor_client):
    term = make_term("Object Storage", children=1)
    response = editor_client.post(
        reverse("admin:terms_term_changelist"),
        {"action": "download_entries", "_selected_action": [term.pk]},
    )
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    text = archive.read("object-storage.txt").decode()
    assert text.startswith("Object Storage\nDefinition\n")


def test_category_changelist_counts_terms(editor_client):
    make_term(category="compute")
    make_term(category="compute")
    response = editor_client.get(reverse("admin:terms_category_changelist"))
    assert response.context["cl"].result_list.get(slug="compute").term_count == 2


def test_staff_without_permission_cannot_open_term_admin(client, django_user_model):
    user = django_user_model.objects.create_user("viewer", password="x-pass-123!", is_staff=True)
    client.force_login(user)
    assert client.get(reverse("admin:terms_term_changelist")).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("admin:terms_term_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_provider_admin_lists_the_four_providers(editor_client):
    response = editor_client.get(reverse("admin:terms_provider_changelist"))
    assert b"Oracle Cloud Infrastructure" in response.content


IMPORT_URL = reverse("admin:terms_term_import")
ENTRY = b"Object Storage\nDefinition\nFiles as objects.\nCategory: storage\nDifficulty: beginner"


def upload(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_import_preview_reports_and_writes_nothing(editor_client):
    response = editor_client.post(IMPORT_URL, {"files": [upload("o.txt", ENTRY)], "dry_run": "on"})
    assert response.context["report"].created == ["Object Storage"]
    assert b"Preview: nothing was written." in response.content
    assert not Term.objects.exists()


def test_import_of_a_zip_writes_its_entries(editor_client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("entries/o.txt", ENTRY)
    response = editor_client.post(IMPORT_URL, {"files": [upload("e.zip", buffer.getvalue())]})
    assert response.context["report"].created == ["Object Storage"]
    assert Term.objects.get().category.slug == "storage"


def test_import_of_a_bad_file_lists_file_and_line_and_writes_nothing(editor_client):
    bad = ENTRY.replace(b"beginner", b"expert")
    response = editor_client.post(
        IMPORT_URL,
        {"files": [upload("good.txt", ENTRY.replace(b"Object", b"Block")), upload("bad.txt", bad)]},
    )
    assert response.context["errors"] == [
        "bad.txt:5: unknown difficulty 'expert' (expected beginner, intermediate, advanced)"
    ]
    assert b"1 problem found; nothing was imported. Fix it and upload again" in response.content
    assert not Term.objects.exists()


def test_import_lists_every_mistake_of_a_file_and_writes_nothing(editor_client):
    response = editor_client.post(
        IMPORT_URL,
        {"files": [upload("good.txt", ENTRY), upload("bad.txt", FIVE_MISTAKES.encode())]},
    )
    assert response.status_code == 200
    assert response.context["errors"] == [f"bad.txt:{problem}" for problem in FIVE_PROBLEMS]
    assert response.content.count(b"<li>bad.txt:") == 5
    assert b"5 problems found; nothing was imported. Fix them and upload again" in response.content
    assert not Term.objects.exists()


def test_import_refuses_an_over_long_service_and_writes_nothing(editor_client):
    entry = ENTRY.replace(
        b"Category:", b"Provider Equivalents\n- AWS: " + b"S" * 201 + b"\nCategory:"
    )
    response = editor_client.post(IMPORT_URL, {"files": [upload("o.txt", entry)], "dry_run": ""})
    assert response.status_code == 200
    assert response.context["errors"] == [
        "o.txt:5: provider service is 201 characters; at most 200"
    ]
    assert not Term.objects.exists()


def test_import_refuses_a_broken_zip(editor_client):
    response = editor_client.post(IMPORT_URL, {"files": [upload("e.zip", b"PK not really")]})
    assert response.context["errors"] == ["e.zip: not a valid .zip archive"]


def test_import_needs_add_and_change_permission(client, django_user_model):
    user = django_user_model.objects.create_user("viewer", password="x-pass-123!", is_staff=True)
    client.force_login(user)
    assert client.get(IMPORT_URL).status_code == 403


def test_changelist_links_to_import(editor_client):
    response = editor_client.get(reverse("admin:terms_term_changelist"))
    assert IMPORT_URL.encode() in response.content
