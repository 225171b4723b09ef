"""terms.compiled loads rows as the ORM does: same field values, state and deferred fields,
whether it makes the instance itself or through Model.from_db."""

import pytest
from django.db import connection
from django.db.models import signals

from terms import compiled
from terms.models import FAQ, Term
from terms.term_page import term_page

from .conftest import make_term


def loaded(model, **lookup):
    sql, params = model.objects.filter(**lookup).query.sql_with_params()
    return compiled.fetch(model, sql, list(params))


@pytest.fixture
def term(db):
    return make_term("Object Storage", children=2)


def test_an_instance_made_directly_is_the_one_the_orm_reads(term):
    (made,) = loaded(Term, pk=term.pk)
    read = Term.objects.get(pk=term.pk)

    assert compiled._plain(Term)
    assert made == read and type(made) is Term
    fields = [f.attname for f in Term._meta.concrete_fields]
    assert [getattr(made, f) for f in fields] == [getattr(read, f) for f in fields]
    assert (made._state.adding, made._state.db) == (False, read._state.db)
    assert made.get_deferred_fields() == set()
    assert made.stored_slug == "object-storage"


def test_columns_left_out_are_deferred_as_in_the_orm(term):
    sql, params = Term.objects.filter(pk=term.pk).only("name").query.sql_with_params()
    (made,) = compiled.fetch(Term, sql, list(params))

    assert made.get_deferred_fields() == Term.objects.only("name").get().get_deferred_fields()
    with connection.cursor():
        assert made.slug == "object-storage"  # loaded on access, as a deferred field is


def test_a_saved_instance_made_directly_saves_like_any_other(term):
    made = loaded(FAQ, term=term)[0]
    made.answer = "Objects in buckets."
    made.save()

    assert FAQ.objects.get(pk=made.pk).answer == "Objects in buckets."


def test_a_model_whose_init_is_listened_to_goes_through_from_db(term):
    seen = []

    def listener(sender, instance, **kwargs):
        seen.append(instance)

    signals.post_init.connect(listener, sender=FAQ)
    try:
        made = loaded(FAQ, term=term)[0]
    finally:
        signals.post_init.disconnect(listener, sender=FAQ)

    assert made in seen and len(seen) == 2


def fields_of(instance):
    return {k: v for k, v in vars(instance).items() if not k.startswith("_")}


def test_the_term_page_reads_the_same_term_either_way(term, monkeypatch):
    make_term("Object Lock").related_terms.add(term)
    term.see_also.add(make_term("Block Storage"))
    direct = term_page("object-storage")
    monkeypatch.setattr(compiled, "_plain", lambda model: False)
    through_from_db = term_page("object-storage")

    assert fields_of(direct) == {**fields_of(through_from_db), "linked": direct.linked}
    for name in ("faqs", "use_cases", "provider_equivalents"):
        made, read = getattr(direct, name).all(), getattr(through_from_db, name).all()
        assert [fields_of(x) for x in made] == [fields_of(x) for x in read] != []
    assert [fields_of(t) for t in direct.linked] == [fields_of(t) for t in through_from_db.linked]
