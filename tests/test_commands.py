import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

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
