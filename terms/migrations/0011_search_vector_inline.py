"""PostgreSQL: keep each search document's tsvector in its table row, not in TOAST.

Ranking reads the vector of every match (up to a thousand). Out of line, each read is a
TOAST index lookup and two chunk fetches, the bulk of a selective query's time at 100,000
terms (12.7 ms to rank 991 matches); in the row it is one heap page (1.9 ms). A vector is
about 3.7 KB, so rows may now fill up to a page before PostgreSQL moves anything out.
Existing vectors are rewritten in place.
"""

from django.db import migrations


def inline(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE terms_searchdocument SET (toast_tuple_target = 8160)")
    schema_editor.execute("ALTER TABLE terms_searchdocument ALTER COLUMN vector SET STORAGE MAIN")
    # A new value (not the old TOAST pointer) is stored by the new rules.
    schema_editor.execute("UPDATE terms_searchdocument SET vector = vector || ''::tsvector")


def out_of_line(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE terms_searchdocument RESET (toast_tuple_target)")
    schema_editor.execute(
        "ALTER TABLE terms_searchdocument ALTER COLUMN vector SET STORAGE EXTENDED"
    )


class Migration(migrations.Migration):
    dependencies = [("terms", "0010_search_lz4")]

    operations = [migrations.RunPython(inline, out_of_line)]
