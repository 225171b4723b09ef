import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from terms.models import Term
from tests.test_textformat import FIVE_MISTAKES, FIVE_PROBLEMS

pytestmark = pytest.mark.django_db


def test_make_editor_creates_a_staff_user_who_can_edit_terms(client, capsys):
    call_command("make_editor", "alice")
    alice = get_user_model().objects.get(username="alice")
    assert alice.is_staff
    assert not alice.has_usable_password()
    assert alice.has_perms(["terms.add_term", "terms.change_term", "terms.delete_term"])
    assert "changepassword alice" in capsys.readouterr().out
    client.force_login(alice)
    assert client.get(reverse("admin:terms_term_add")).status_code == 200


def test_make_editor_keeps_an_existing_users_password(django_user_model):
    django_user_model.objects.create_user("bob", password="b0b-secret!")
    call_command("make_editor", "bob")
    bob = django_user_model.objects.get(username="bob")
    assert bob.check_password("b0b-secret!")
    assert bob.has_perm("terms.change_faq")


def test_make_editor_twice_is_harmless(django_user_model):
    call_command("make_editor", "carol")
    call_command("make_editor", "carol")
    assert django_user_model.objects.get(username="carol").groups.count() == 1


def test_import_glossary_prints_every_problem_and_their_count(tmp_path, capsys):
    bad = tmp_path / "bad.txt"
    bad.write_text(FIVE_MISTAKES, encoding="utf-8")
    with pytest.raises(CommandError, match=r"^5 problems found; nothing was imported\.$"):
        call_command("import_glossary", str(tmp_path))
    assert capsys.readouterr().err.splitlines() == [f"{bad}:{p}" for p in FIVE_PROBLEMS]
    assert not Term.objects.exists()
