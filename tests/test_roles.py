"""Who may do what: the whole matrix of roles × actions and endpoints, in one table."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from terms import writing
from terms.models import Status, Term
from tests.conftest import make_category, make_term

pytestmark = pytest.mark.django_db

ACTORS = ["anonymous", "no permissions", "Editor", "Publisher", "superuser"]

# Each row: an action or endpoint, then what each actor gets, in the order of ACTORS: an
# HTTP status (302 from the admin: to the login page for the anonymous, back to the form
# after a step done), or the status a term has afterwards (None: nothing imported).
MATRIX = {
    "read a published term's page": (200, 200, 200, 200, 200),
    "read a draft's page": (404, 404, 404, 404, 404),
    "API: read a draft": (404, 404, 200, 200, 200),
    "API: create a draft": (401, 403, 201, 201, 201),
    "API: publish a draft": (401, 403, 403, 200, 200),
    "API: change a draft": (401, 403, 200, 200, 200),
    "API: change a published term": (401, 403, 403, 200, 200),
    "API: delete a term": (401, 403, 403, 204, 204),
    "API: list the trash": (401, 403, 403, 200, 200),
    "API: restore from the trash": (401, 403, 403, 200, 200),
    "API: delete from the trash for good": (401, 403, 403, 204, 204),
    "admin: open a draft's form": (302, 403, 200, 200, 200),
    "admin: save a published term": (302, 403, 403, 302, 302),
    "admin: submit for review": (302, 403, 302, 302, 302),
    "admin: start a draft of a published term": (302, 403, 302, 302, 302),
    "admin: publish": (302, 403, 403, 302, 302),
    "admin: unpublish": (302, 403, 403, 302, 302),
    "admin: schedule": (302, 403, 403, 302, 302),
    # The status of the selected draft afterwards: the action is not offered to the others.
    "admin: publish action on the changelist": (
        "draft",
        "draft",
        "draft",
        "published",
        "published",
    ),
    "admin: delete a term": (302, 403, 403, 302, 302),
    "admin: open the import page": (302, 403, 200, 200, 200),
    "admin: import as published": (None, None, None, "published", "published"),
    "admin: import new terms by default": (None, None, "draft", "published", "published"),
}


@pytest.fixture
def actor(request, django_user_model):
    name = request.param
    if name == "anonymous":
        return None
    if name == "superuser":
        return django_user_model.objects.create_superuser("root", password="x-long-pass-1")
    user = django_user_model.objects.create_user(
        name.replace(" ", "-"), password="x-long-pass-1", is_staff=True
    )
    if name in ("Editor", "Publisher"):
        user.groups.add(Group.objects.get(name=name))
    return user


def clients(user):
    web, api = Client(), APIClient()
    if user is not None:
        web.force_login(user)
        api.force_authenticate(user)
    return web, api


ENTRY = b"""Imported Term
Definition
An imported term is a thing. It has a second sentence.
Category: ai-ml
Difficulty: beginner"""


def workflow(web, term, step, **data):
    url = reverse("admin:terms_term_workflow", args=[term.pk, step])
    return web.post(url, data).status_code


def do(action, web, api):
    live = make_term("Live Term")
    draft = make_term("Draft Term", status=Status.DRAFT)
    admin_change = reverse("admin:terms_term_change", args=[draft.pk])
    match action:
        case "read a published term's page":
            return web.get(live.get_absolute_url()).status_code
        case "read a draft's page":
            return web.get(draft.get_absolute_url()).status_code
        case "API: read a draft":
            return api.get(f"/api/v1/terms/{draft.slug}/").status_code
        case "API: create a draft":
            payload = {
                "name": "New One",
                "definition": "New one is new. Really.",
                "category": "ai-ml",
                "difficulty": "beginner",
                "status": "draft",
            }
            return api.post("/api/v1/terms/", payload, format="json").status_code
        case "API: publish a draft":
            url = f"/api/v1/terms/{draft.slug}/"
            return api.patch(url, {"status": "published"}, format="json").status_code
        case "API: change a draft":
            url = f"/api/v1/terms/{draft.slug}/"
            return api.patch(url, {"aliases": ["DT"]}, format="json").status_code
        case "API: change a published term":
            url = f"/api/v1/terms/{live.slug}/"
            return api.patch(url, {"aliases": ["LT"]}, format="json").status_code
        case "API: delete a term":
            return api.delete(f"/api/v1/terms/{live.slug}/").status_code
        case "API: list the trash":
            return api.get("/api/v1/trash/").status_code
        case "API: restore from the trash":
            writing.trash_term(live)
            return api.post(f"/api/v1/trash/{live.slug}/restore/").status_code
        case "API: delete from the trash for good":
            writing.trash_term(live)
            return api.delete(f"/api/v1/trash/{live.slug}/").status_code
        case "admin: open a draft's form":
            return web.get(admin_change).status_code
        case "admin: save a published term":
            url = reverse("admin:terms_term_change", args=[live.pk])
            return web.post(url, admin_form(live)).status_code
        case "admin: submit for review":
            return workflow(web, draft, "submit")
        case "admin: start a draft of a published term":
            return workflow(web, live, "start-draft")
        case "admin: publish":
            return workflow(web, draft, "publish")
        case "admin: unpublish":
            return workflow(web, live, "unpublish")
        case "admin: schedule":
            return workflow(web, draft, "schedule", publish_at="2999-01-01T10:00")
        case "admin: publish action on the changelist":
            data = {"action": "publish_terms", "_selected_action": [draft.pk]}
            web.post(reverse("admin:terms_term_changelist"), data)
            return Term.objects.get(pk=draft.pk).status
        case "admin: delete a term":
            url = reverse("admin:terms_term_delete", args=[live.pk])
            return web.post(url, {"post": "yes"}).status_code
        case "admin: open the import page":
            return web.get(reverse("admin:terms_term_import")).status_code
        case "admin: import as published" | "admin: import new terms by default":
            status = "published" if action == "admin: import as published" else ""
            data = {"files": upload(), "status": status}
            web.post(reverse("admin:terms_term_import"), data)
            imported = Term.objects.filter(name="Imported Term").first()
            return imported.status if imported else None
    raise AssertionError(action)


def upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("imported-term.txt", ENTRY, content_type="text/plain")


def admin_form(term):
    management = {}
    for prefix in ("use_cases", "provider_equivalents", "faqs"):
        management |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return {
        "name": term.name,
        "slug": term.slug,
        "aliases": "",
        "category": str(make_category().pk),
        "difficulty": "advanced",
        "definition": term.definition,
        "opened_version": str(Term.objects.get(pk=term.pk).version),
        **management,
    }


@pytest.mark.parametrize("actor", ACTORS, indirect=True, ids=ACTORS)
@pytest.mark.parametrize("action", list(MATRIX))
def test_each_role_may_do_what_the_matrix_says(actor, action, request):
    expected = MATRIX[action][ACTORS.index(request.node.callspec.id.split("-", 1)[-1])]
    web, api = clients(actor)
    assert do(action, web, api) == expected
