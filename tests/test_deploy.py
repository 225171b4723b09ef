"""The production environment of docs/deploy.md passes Django's deploy checklist."""

import gc
import json
import os
import re
import runpy
import secrets
import shlex
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent


def readme_production_environment():
    """The variables docs/deploy.md's deploy section exports, with a real secret key."""
    section = (
        (ROOT / "docs" / "deploy.md").read_text().split("## Deploying", 1)[1].split("\n## ", 1)[0]
    )
    variables = {}
    for line in re.findall(r"^\s*export (.+)$", section, flags=re.MULTILINE):
        variables.update(word.split("=", 1) for word in shlex.split(line))
    assert variables["DJANGO_SECRET_KEY"] == "..."
    variables["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(64)
    return variables


def run_in(environment, *code_or_command):
    """Run manage.py (or `python -c`) with only `environment` over a clean one; the result."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env |= environment
    return subprocess.run(
        [sys.executable, *code_or_command], cwd=ROOT, env=env, capture_output=True, text=True
    )


def check_deploy(environment):
    return run_in(environment, "manage.py", "check", "--deploy", "--fail-level", "WARNING")


def production_settings(environment):
    """The security settings a process with `environment` runs with."""
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "s.SECURE_HSTS_PRELOAD]))"
    )
    result = run_in({"DJANGO_SETTINGS_MODULE": "glossary.settings", **environment}, "-c", code)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


NO_ISSUES = "System check identified no issues (0 silenced).\n"
SECRET = {"DJANGO_SECRET_KEY": secrets.token_urlsafe(64)}


def test_check_deploy_reports_nothing_with_only_a_secret_key_and_allowed_hosts():
    result = check_deploy(SECRET | {"DJANGO_ALLOWED_HOSTS": "glossary.example.org"})

    assert result.stderr == ""
    assert result.stdout == NO_ISSUES
    assert result.returncode == 0


def test_check_deploy_reports_nothing_with_the_readme_production_environment():
    result = check_deploy(readme_production_environment())

    assert result.stderr == ""
    assert result.stdout == NO_ISSUES
    assert result.returncode == 0


def test_a_secret_key_with_debug_off_turns_every_https_protection_on():
    assert production_settings(SECRET) == [True, True, True, 31536000, True, True]


def test_each_https_protection_has_a_variable_that_turns_it_off():
    off = {
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_HSTS_SECONDS": "0",
        "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "0",
        "DJANGO_SECURE_HSTS_PRELOAD": "0",
    }

    assert production_settings(SECRET | off) == [False, False, False, 0, False, False]


def test_a_local_run_without_a_secret_key_stays_on_plain_http():
    assert production_settings({}) == [False, False, False, 0, False, False]


def test_debug_stays_on_plain_http_even_with_a_secret_key():
    assert production_settings(SECRET | {"DJANGO_DEBUG": "1"}) == [False] * 3 + [0] + [False] * 2


def gunicorn_config(monkeypatch, **environment):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))


def test_gunicorn_forks_workers_from_an_app_loaded_once(monkeypatch):
    assert gunicorn_config(monkeypatch)["preload_app"] is True
    assert gunicorn_config(monkeypatch, GUNICORN_PRELOAD="0")["preload_app"] is False


def test_the_preloaded_app_is_out_of_the_collectors_reach_before_workers_fork(monkeypatch):
    when_ready = gunicorn_config(monkeypatch)["when_ready"]
    try:
        when_ready(SimpleNamespace(cfg=SimpleNamespace(preload_app=False)))
        assert gc.get_freeze_count() == 0

        when_ready(SimpleNamespace(cfg=SimpleNamespace(preload_app=True)))
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
