"""The README's production environment passes Django's deploy checklist."""

import os
import re
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_production_environment():
    """The variables the README's deploy section exports, with a real secret key."""
    section = (ROOT / "README.md").read_text().split("## Deploying", 1)[1].split("\n## ", 1)[0]
    variables = {}
    for line in re.findall(r"^export (.+)$", section, flags=re.MULTILINE):
        variables.update(word.split("=", 1) for word in shlex.split(line))
    assert variables["DJANGO_SECRET_KEY"] == "..."
    variables["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(64)
    return variables


def test_check_deploy_reports_nothing_with_the_readme_production_environment():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env |= readme_production_environment()
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.stderr == ""
    assert result.stdout == "System check identified no issues (0 silenced).\n"
    assert result.returncode == 0


def test_hsts_subdomains_and_preload_are_off_unless_switched_on():
    from django.conf import settings

    assert not settings.SECURE_HSTS_INCLUDE_SUBDOMAINS
    assert not settings.SECURE_HSTS_PRELOAD
