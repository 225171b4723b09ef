import importlib
import itertools
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from terms.models import FAQ, Category, Provider, ProviderEquivalent, Term, UseCase

# A verbatim copy of the reference entry the project must read and write.
REFERENCE_ENTRY = Path(__file__).parent / "data" / "model-training.txt"
SAMPLE = Path(__file__).resolve().parent.parent / "terms" / "sample_glossary"

_counter = itertools.count(1)


def make_category(slug="ai-ml", name=None):
    category, _ = Category.objects.get_or_create(
        slug=slug, defaults={"name": name or Category.name_from_slug(slug)}
    )
    return category


def restore_providers():
    """Put back the data migration's providers when a transactional test's flush (a live
    server's, say) removed them: the sample and children name AWS, Azure, GCP and OCI."""
    if not Provider.objects.exists():
        importlib.import_module("terms.migrations.0002_initial_data").create(apps, None)


def make_term(name=None, *, category="ai-ml", children=0, **fields):
    """A saved term; `children` gives it that many use cases, FAQs and provider equivalents."""
    name = name or f"Term {next(_counter)}"
    fields.setdefault("definition", f"{name} is a thing worth knowing. It has a second sentence.")
    fields.setdefault("difficulty", "beginner")
    # Most tests are about what readers see; workflow tests pass status="draft".
    fields.setdefault("status", "published")
    term = Term.objects.create(name=name, category=make_category(category), **fields)
    if children:
        restore_providers()
    providers = list(Provider.objects.all()) if children else []
    for i in range(children):
        UseCase.objects.create(
            term=term,
            organization=f"Org {i}",
            title=f"Title {i}",
            description=f"Description {i}",
            outcome=f"Outcome {i}",
            position=i,
        )
        FAQ.objects.create(term=term, question=f"Question {i}?", answer=f"Answer {i}.", position=i)
        ProviderEquivalent.objects.create(
            term=term,
            provider=providers[i % len(providers)],
            service=f"{name} Service {i}",
            position=i,
        )
    return term


def age_content(seconds=5):
    """Move every term's stamps and the change log `seconds` into the past: Last-Modified
    is left out while the newest change's second lasts (terms.changes.last_modified)."""
    from django.db.models import F

    from terms.models import Change

    delta = timedelta(seconds=seconds)
    Term.everything.update(
        changed_at=F("changed_at") - delta,
        updated_at=F("updated_at") - delta,
        created_at=F("created_at") - delta,
    )
    Change.objects.update(at=F("at") - delta)


@pytest.fixture(autouse=True)
def _page_cache_off(settings):
    """Pages are answered by their views: query ceilings count a view's own queries, and
    tests/test_page_cache.py turns the page cache on where it is the subject."""
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with empty caches: no API throttle count, search result or link index
    carries over (a flushed database counts its generations from zero again)."""
    from django.core.cache import caches

    from terms import api_headers, linking, page_cache

    for cache in caches.all():
        cache.clear()
    page_cache.memory.clear()
    api_headers.recent_counts.clear()
    linking.forget_index()


@pytest.fixture(autouse=True)
def _unhashed_static_files(settings):
    """Serve static files by their source names: tests run without `collectstatic`."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def term(db):
    return make_term("Model Training", children=3)


@pytest.fixture
def fast_password_hashing(settings):
    """A cheap hasher, for tests that create users or check passwords many times (list it
    before the fixtures that create users)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def editor(db, django_user_model):
    """A staff user with every permission on the glossary's models."""
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("editor", password="s3cret-pass!", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="terms"))
    return user


@pytest.fixture
def sample(db):
    """The sample glossary, imported."""
    from terms.importers import import_paths

    restore_providers()
    import_paths([SAMPLE])


@pytest.fixture
def committed(transactional_db):
    """Terms committed, as on a live site: search only caches what it read outside a
    transaction."""
    for name in ("Nimbus Store", "Nimbus Queue"):
        make_term(name)


def error_messages(response):
    """An API error body (`{"errors": [{code, field, message}]}`) as {field: [messages]};
    None keys the errors about the request as a whole."""
    messages = {}
    for error in response.json()["errors"]:
        assert set(error) == {"code", "field", "message"}
        messages.setdefault(error["field"], []).append(error["message"])
    return messages


@pytest.fixture
def api():
    """An anonymous API client."""
    return APIClient()


@pytest.fixture
def editor_api(editor):
    """An API client signed in as `editor` with a token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=editor).key}")
    return client
