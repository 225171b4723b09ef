"""PostgreSQL: a term's searchable texts come from one SQL function, terms_search_texts().

A rebuild spent most of its time in one INSERT ... SELECT that parsed 300 MB of text with
to_tsvector on a single core: PostgreSQL never runs the SELECT of an INSERT in parallel.
CREATE TABLE ... AS may run in parallel, but its workers cannot run the correlated
subqueries that gather a term's aliases, services, use cases and FAQs (the leader runs
those). Inside a function marked PARALLEL SAFE the same subqueries do run in the workers,
so a rebuild (terms.search) computes every document in parallel into a temporary table and
copies that into the index. At 100,000 terms on a 2-core machine, the documents took 55.7 s
as one INSERT ... SELECT, and 29-35 s this way. Reindexing a few terms on save reads the
same function, so both paths index the same text.
"""

from django.db import migrations

from terms.migrations._postgresql import postgresql_only

FORWARDS = """
CREATE FUNCTION terms_search_texts(t terms_term,
    OUT names text, OUT services text, OUT body text, OUT providers text)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT
    -- The name, then its aliases (skipping an aliases value that is not a list).
    t.name || coalesce((SELECT ' · ' || string_agg(a, ' · ')
        FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(t.aliases) = 'array'
            THEN t.aliases ELSE '[]' END) a), ''),
    -- "AWS: SageMaker / former name · Azure: ...", in the editor's order.
    coalesce((SELECT string_agg(p.short_name || ': ' || e.service
            || coalesce((SELECT ' / ' || string_agg(f, ' / ')
                FROM jsonb_array_elements_text(CASE
                    WHEN jsonb_typeof(e.former_names) = 'array'
                    THEN e.former_names ELSE '[]' END) f), ''), ' · ' ORDER BY e.position)
        FROM terms_providerequivalent e JOIN terms_provider p ON p.id = e.provider_id
        WHERE e.term_id = t.id), ''),
    -- Use cases, FAQs and the category's name, a line each.
    coalesce((SELECT string_agg(u.organization || ': ' || u.title || '. '
            || u.description || ' ' || u.outcome, E'\\n' ORDER BY u.position)
        FROM terms_usecase u WHERE u.term_id = t.id) || E'\\n', '')
    || coalesce((SELECT string_agg(q.question || ' ' || q.answer, E'\\n' ORDER BY q.position)
        FROM terms_faq q WHERE q.term_id = t.id) || E'\\n', '')
    || (SELECT c.name FROM terms_category c WHERE c.id = t.category_id),
    -- The provider ids the provider facet counts: ",1,3,".
    coalesce((SELECT ',' || string_agg(DISTINCT e.provider_id::text, ',') || ','
        FROM terms_providerequivalent e WHERE e.term_id = t.id), '')
$$
"""
BACKWARDS = "DROP FUNCTION terms_search_texts(terms_term)"


class Migration(migrations.Migration):
    dependencies = [("terms", "0013_search_facets_in_documents")]

    operations = [postgresql_only([FORWARDS], [BACKWARDS])]
