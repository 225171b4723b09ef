import io
import re

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
    assert [g.name for g in alice.groups.all()] == ["Editor"]
    assert alice.has_perms(["terms.add_term", "terms.change_term"])
    assert not alice.has_perm("terms.publish_term")
    assert not alice.has_perm("terms.delete_term")
    client.force_login(alice)
    assert client.get(reverse("admin:terms_term_add")).status_code == 200


def test_make_editor_with_publisher_puts_the_user_in_the_publisher_group(django_user_model):
    call_command("make_editor", "pat", "--publisher", password="a-long-editor-pass")
    pat = django_user_model.objects.get(username="pat")
    assert [g.name for g in pat.groups.all()] == ["Publisher"]
    assert pat.has_perms(["terms.publish_term", "terms.delete_term", "terms.change_term"])


def test_make_editor_prints_a_generated_password_that_signs_in(client, capsys):
    call_command("make_editor", "alice")
    password = re.search(r"^Password: (\S+)$", capsys.readouterr().out, re.MULTILINE)[1]
    signed_in = client.post(
        reverse("admin:login"), {"username": "alice", "password": password, "next": "/admin/"}
    )
    assert signed_in.status_code == 302  # through the admin's login form, as an editor would
    assert client.get(reverse("admin:terms_term_changelist")).status_code == 200


def test_make_editor_generates_a_new_password_each_time_it_creates_a_user(capsys):
    call_command("make_editor", "alice")
    call_command("make_editor", "bob")
    assert len(set(re.findall(r"^Password: (\S+)$", capsys.readouterr().out, re.M))) == 2


def test_make_editor_sets_the_password_given(django_user_model, capsys):
    call_command("make_editor", "dora", password="a-long-editor-pass")
    assert django_user_model.objects.get(username="dora").check_password("a-long-editor-pass")
    assert "Password:" not in capsys.readouterr().out


def test_make_editor_reads_the_password_from_the_environment(django_user_model, monkeypatch):
    monkeypatch.setenv("GLOSSARY_EDITOR_PASSWORD", "from-the-environment")
    call_command("make_editor", "erin")
    assert django_user_model.objects.get(username="erin").check_password("from-the-environment")


def test_make_editor_refuses_a_weak_password_and_says_why(django_user_model):
    with pytest.raises(CommandError, match=r"^password for fred: This password is too short"):
        call_command("make_editor", "fred", password="abc")
    assert not django_user_model.objects.filter(username="fred").exists()


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


def test_serve_ends_its_start_up_lines_with_the_sites_addresses_and_the_editor_command():
    from terms.management.commands.serve import Command

    out = io.StringIO()
    server = Command(stdout=out)
    server.addr, server._raw_ipv6, server.protocol = "127.0.0.1", False, "http"
    server.on_bind(8123)
    lines = out.getvalue().splitlines()
    assert "  Site      http://127.0.0.1:8123/" in lines
    assert "  Admin     http://127.0.0.1:8123/admin/" in lines
    assert f"  API docs  http://127.0.0.1:8123{reverse('api:docs')}" in lines
    assert lines[-2:] == ["  make editor NAME=yourname", "Quit with CONTROL-C."]


def test_serve_on_every_interface_points_at_localhost():
    from terms.management.commands.serve import Command

    out = io.StringIO()
    server = Command(stdout=out)
    server.addr, server._raw_ipv6, server.protocol = "0.0.0.0", False, "http"
    server.on_bind(8000)
    assert "  Site      http://localhost:8000/" in out.getvalue().splitlines()
