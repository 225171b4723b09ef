"""A backup made with dumpdata restores, with loaddata and rebuild_search_index, into a
fresh database that serves the same pages (the SQLite backup and restore of docs/deploy.md)."""

import importlib
import re

import pytest
from django.apps import apps
from django.core.cache import caches
from django.core.management import call_command

from terms import linking

# docs/deploy.md's backup command: content, users and tokens; not what migrate makes or the
# search index, which the restore rebuilds. XML, as Django's JSON drops the microseconds of
# timestamps (the API shows them).
BACKUP_ARGS = [
    *("--format", "xml"),
    "--all",  # every row, not what the default managers show: trashed terms too
    "--natural-foreign",
    "--natural-primary",
    *("-e", "contenttypes", "-e", "auth.permission", "-e", "sessions", "-e", "axes"),
    *("-e", "terms.searchdocument", "-e", "terms.searchtitle", "-e", "terms.searchname"),
    *("-e", "terms.searchword", "-e", "terms.searchwordkey"),
]
PAGES = [
    "/",
    "/terms/",
    "/terms/model-training/",
    "/categories/ai-ml/",
    "/providers/aws/",
    "/compare/",
    "/search/?q=training",
    "/search/suggest/?q=trai",
    "/feed/",
    "/api/v1/terms/model-training/",
    "/api/v1/terms/?search=inference",
]
_NONCE = re.compile(rb' nonce="[^"]*"')


def pages(client):
    """Each page's status and body, less the per-response CSP nonce."""
    return {path: _NONCE.sub(b"", client.get(path).content) for path in PAGES}


def fresh_database():
    """The database as `migrate` leaves it: flushed, the data migration's rows, an empty
    index (flush empties SQLite's FTS content tables behind the index's back)."""
    call_command("flush", interactive=False, verbosity=0)
    importlib.import_module("terms.migrations.0002_initial_data").create(apps, None)
    call_command("rebuild_search_index", verbosity=0)
    for cache in caches.all():
        cache.clear()
    linking.forget_index()


@pytest.mark.django_db(transaction=True)
def test_dumpdata_then_loaddata_and_rebuild_serves_the_same_pages(client, tmp_path):
    from terms.importers import import_paths
    from tests.conftest import SAMPLE

    fresh_database()  # the data migration's providers as migrate makes them, whatever ran before
    import_paths([SAMPLE])
    before = pages(client)
    backup = tmp_path / "backup.xml"
    call_command("dumpdata", *BACKUP_ARGS, "-o", str(backup), verbosity=0)

    fresh_database()
    call_command("loaddata", str(backup), verbosity=0)
    # Restored content without its index: search finds nothing yet.
    assert b"Model Training" not in client.get("/search/?q=training").content
    call_command("rebuild_search_index", verbosity=0)

    assert pages(client) == before


@pytest.mark.django_db(transaction=True)
def test_the_backup_keeps_trashed_terms_with_their_children_and_history(tmp_path):
    from terms import history, writing
    from terms.models import Term, UseCase
    from tests.conftest import make_term

    fresh_database()  # the providers of the data migration, whatever ran before
    term = make_term("Cold Storage", children=2)
    with writing.batch():
        writing.trash_term(term)
    backup = tmp_path / "backup.xml"
    call_command("dumpdata", *BACKUP_ARGS, "-o", str(backup), verbosity=0)

    fresh_database()
    call_command("loaddata", str(backup), verbosity=0)

    restored = Term.everything.get(name="Cold Storage")
    assert restored.deleted_at is not None
    assert UseCase.objects.filter(term=restored).count() == 2
    assert history.versions_of(restored.pk)[0].trashed
