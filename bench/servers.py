"""Real server processes for the outage tests and `make soak`: gunicorn, a private Redis and a
private PostgreSQL cluster, each started on its own port and stopped by its own PID.

Nothing here touches a server it did not start.
"""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = Path(sys.executable)


class Unavailable(Exception):
    """A binary a server needs is not installed."""


def binary(name):
    """The path of `name`, from PATH or Debian's PostgreSQL folders."""
    found = shutil.which(name)
    if not found:
        versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
        found = next((str(v / name) for v in versions if (v / name).exists()), None)
    if not found:
        raise Unavailable(f"{name} is not installed")
    return found


def wait_until(ready, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not start within {seconds} s")


def _signal_all(pids, signum):
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)


class RedisServer:
    """A throwaway redis-server with no persistence."""

    def __init__(self, port):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [binary("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
        )
        wait_until(self._pings, 10, "redis-server")
        return self

    def _pings(self):
        import redis

        try:
            return redis.Redis(port=self.port, socket_timeout=0.5).ping()
        except redis.RedisError:
            return False

    def freeze(self):
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self):
        self.process.send_signal(signal.SIGCONT)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.thaw()
            self.process.terminate()
            self.process.wait(10)


class PostgresCluster:
    """A private PostgreSQL cluster in a temporary folder (trust auth, user postgres).

    PostgreSQL refuses to run as root: as root, its commands run as the `postgres` user.
    """

    def __init__(self, port):
        self.port = port
        self.folder = None

    def _run(self, *command, **kwargs):
        if os.geteuid() == 0:
            command = ("runuser", "-u", "postgres", "--", *command)
        return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)

    def url(self, name):
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def start(self):
        if self.folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix="glossary-pg-"))
            if os.geteuid() == 0:
                shutil.chown(self.folder, "postgres", "postgres")
            self._run(
                binary("initdb"), "-D", str(self.folder / "data"), "-U", "postgres", "-A", "trust"
            )
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            binary("pg_ctl"),
            "-D",
            str(self.folder / "data"),
            "-o",
            options,
            "-w",
            "-l",
            str(self.folder / "log"),
            "start",
        )
        return self

    def create_database(self, name):
        self._run(
            binary("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name
        )

    def pids(self):
        """The postmaster and every process it started."""
        postmaster = int((self.folder / "data" / "postmaster.pid").read_text().split()[0])
        children = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(postmaster)], capture_output=True, text=True
        ).stdout.split()
        return [postmaster, *map(int, children)]

    def freeze(self):
        """Every process stopped (SIGSTOP): connections stay open and never answer."""
        self._frozen = self.pids()
        _signal_all(self._frozen, signal.SIGSTOP)

    def thaw(self):
        _signal_all(getattr(self, "_frozen", []), signal.SIGCONT)
        self._frozen = []

    def stop(self):
        self.thaw()
        if self.folder and (self.folder / "data" / "postmaster.pid").exists():
            self._run(binary("pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")

    def remove(self):
        self.stop()
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def manage(*args, env):
    """Run a management command in a child process with `env` over this one's; its output."""
    return subprocess.run(
        [str(PYTHON), str(BASE_DIR / "manage.py"), *args],
        check=True,
        cwd=BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    ).stdout


# One child process for every step: each would otherwise pay for Django's start-up.
_PREPARE = """
import sys, django
django.setup()
from django.core.management import call_command
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
call_command("migrate", "--no-input", verbosity=0)
call_command("import_glossary", *sys.argv[1:], verbosity=0)
# Its writes change published terms: a Publisher (terms.roles).
call_command("make_editor", "soak-editor", "--publisher", verbosity=0)
editor = get_user_model().objects.get(username="soak-editor")
print(Token.objects.get_or_create(user=editor)[0].key)
"""


def prepare_site(env, entries):
    """Migrate the database `env` names and import `entries`; returns an editor's token."""
    return subprocess.run(
        [str(PYTHON), "-c", _PREPARE, *map(str, entries)],
        check=True,
        cwd=BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "glossary.settings", **env},
        capture_output=True,
        text=True,
    ).stdout.split()[-1]


def collect_static():
    """Gunicorn serves the hashed names that collectstatic writes."""
    manage("collectstatic", "--no-input", env={})


class Gunicorn:
    """The site under gunicorn, as the README deploys it, with `env` over this process's."""

    def __init__(self, port, env, workers=2, timeout=30):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.env = env
        self.workers = workers
        self.timeout = timeout
        self.process = None

    def start(self):
        handle, name = tempfile.mkstemp(prefix="glossary-gunicorn-", suffix=".log")
        self.log = Path(name)
        with os.fdopen(handle, "w") as log:
            self.process = subprocess.Popen(
                [str(PYTHON), "-m", "gunicorn", "glossary.wsgi"]
                + ["--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers)]
                + ["--timeout", str(self.timeout)],
                cwd=BASE_DIR,
                env={**os.environ, "DJANGO_ALLOWED_HOSTS": "127.0.0.1", **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_until(self._live, 30, "gunicorn")
        return self

    def _live(self):
        if self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{self.log.read_text()[-2000:]}")
        try:
            return urllib.request.urlopen(f"{self.url}/api/v1/health/", timeout=1).status == 200
        except OSError:
            return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)
        self.log.unlink(missing_ok=True)


def fetch(url, method="GET", body=None, headers=None, timeout=30):
    """(status, headers, body bytes, seconds) of one request; HTTP errors are answers too."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    start = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read(), time.monotonic() - start
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read(), time.monotonic() - start
