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
            self.folder = self._new_folder()
            self._run(
                binary("initdb"), "-D", str(self.folder / "data"), "-U", "postgres", "-A", "trust"
            )
        return self._start_server()

    @staticmethod
    def _new_folder():
        folder = Path(tempfile.mkdtemp(prefix="glossary-pg-"))
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
        return folder

    def sql(self, database, statement):
        """The first row `statement` returns (None when none), run in autocommit."""
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True, connect_timeout=5) as db:
            cursor = db.execute(statement)
            return cursor.fetchone() if cursor.description else None

    def _start_server(self):
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


class ReplicaCluster(PostgresCluster):
    """A hot standby of `primary` on `port`, copied with pg_basebackup and streaming from it.

    The primary needs `wal_level` replica or above (PostgreSQL's default) and a replication
    line in pg_hba.conf (initdb's default for 127.0.0.1 with trust).
    """

    def __init__(self, port, primary):
        super().__init__(port)
        self.primary = primary

    def start(self):
        if self.folder is None:
            self.folder = self._new_folder()
            # -R writes standby.signal and primary_conninfo: the copy starts as a standby.
            # A fast checkpoint: the default spreads it out, and the copy waits for its end.
            self._run(
                binary("pg_basebackup"),
                *("-h", "127.0.0.1", "-p", str(self.primary.port), "-U", "postgres"),
                *("-D", str(self.folder / "data"), "-R", "-X", "stream", "-c", "fast"),
            )
        return self._start_server()

    def pause_replay(self):
        """Lag on demand: the standby keeps receiving the primary's changes, applies none."""
        self.sql("postgres", "SELECT pg_wal_replay_pause()")

    def resume_replay(self):
        self.sql("postgres", "SELECT pg_wal_replay_resume()")

    def caught_up(self):
        """Whether everything the primary has written so far is applied here."""
        (written,) = self.primary.sql("postgres", "SELECT pg_current_wal_lsn()::text")
        (behind,) = self.sql("postgres", f"SELECT pg_last_wal_replay_lsn() < '{written}'")
        return not behind


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
# Statistics for the planner now, as autovacuum gathers them within a minute of a load: a
# run that starts sooner measured the first minute's plans (the term page's linked-terms
# query took 2 ms on the server instead of 0.15 ms).
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")
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
    """The site under gunicorn, as the README deploys it, with `env` over this process's;
    `app` is the WSGI application (the bench serves its bare view beside the site)."""

    def __init__(self, port, env, workers=2, timeout=30, config=None, app="glossary.wsgi"):
        """`workers=None` leaves the count to `config`; `app` is the WSGI application."""
        self.app = app
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.env = env
        self.workers = workers
        self.timeout = timeout
        # deploy/gunicorn.conf.py for the production path; the arguments above still win.
        self.config = config
        self.process = None

    def start(self):
        handle, name = tempfile.mkstemp(prefix="glossary-gunicorn-", suffix=".log")
        self.log = Path(name)
        with os.fdopen(handle, "w") as log:
            self.process = subprocess.Popen(
                [str(PYTHON), "-m", "gunicorn", self.app]
                + (["--config", str(self.config)] if self.config else [])
                + ["--bind", f"127.0.0.1:{self.port}"]
                + (["--workers", str(self.workers)] if self.workers else [])
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


class TaskWorker:
    """`manage.py worker`, the task queue's worker (webhook deliveries), with `env` over
    this process's; stopped by SIGTERM (the attempt under way ends first) or killed."""

    def __init__(self, env, interval=1):
        self.env = env
        self.interval = interval
        self.process = None

    def start(self):
        """Start the worker (again, after kill(): a restart keeps one log)."""
        if self.process is not None:
            self.log.unlink(missing_ok=True)
        handle, name = tempfile.mkstemp(prefix="glossary-worker-", suffix=".log")
        self.log = Path(name)
        with os.fdopen(handle, "w") as log:
            self.process = subprocess.Popen(
                [str(PYTHON), str(BASE_DIR / "manage.py"), "worker", "--no-reload"]
                + ["--no-startup-delay", "--interval", str(self.interval)],
                cwd=BASE_DIR,
                env={**os.environ, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    def output(self):
        return self.log.read_text()[-3000:] if self.process else ""

    def kill(self):
        """As a crash or an OOM kill would: no chance to finish anything."""
        self.process.kill()
        self.process.wait(30)

    def stop(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)
        self.log.unlink(missing_ok=True)


DEPLOY = BASE_DIR / "deploy"


def nginx_site(listen, static_root, app_ports, access_log):
    """deploy/nginx.conf with its placeholders filled in (its comments left as they are)."""
    values = {
        "@LISTEN@": listen,
        "@STATIC_ROOT@": str(static_root),
        "@APP_SERVERS@": "\n    ".join(f"server 127.0.0.1:{port};" for port in app_ports),
        "@ACCESS_LOG@": str(access_log),
    }
    lines = []
    for line in (DEPLOY / "nginx.conf").read_text().splitlines():
        if not line.lstrip().startswith("#"):
            for placeholder, value in values.items():
                line = line.replace(placeholder, value)
        lines.append(line)
    return "\n".join(lines) + "\n"


# The rest of a machine's nginx.conf, for an nginx of our own in a temporary folder.
_NGINX_MAIN = """
daemon off;
# One worker per core, as Debian's own nginx.conf has it: with one, every byte of a
# large page went through a single process (/compare/ cached: 78 % of bare, 83–91 % with auto).
worker_processes auto;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/glossary.conf;
}}
"""


class Nginx:
    """nginx with deploy/nginx.conf, on 127.0.0.1:`port` in front of `app_ports`."""

    def __init__(self, port, app_ports, static_root=BASE_DIR / "staticfiles"):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.app_ports = app_ports
        self.static_root = static_root
        self.process = None

    def start(self):
        self.folder = Path(tempfile.mkdtemp(prefix="glossary-nginx-"))
        # Run as root, nginx's workers are `nobody`: they read the static files from here.
        self.folder.chmod(0o755)
        site = nginx_site(
            f"127.0.0.1:{self.port}", self.static_root, self.app_ports, self.folder / "access.log"
        )
        (self.folder / "glossary.conf").write_text(site)
        (self.folder / "nginx.conf").write_text(_NGINX_MAIN.format(folder=self.folder))
        try:
            command = [
                binary("nginx"),
                "-p",
                str(self.folder),
                "-e",
                str(self.folder / "error.log"),
            ]
            self.process = subprocess.Popen(
                [*command, "-c", str(self.folder / "nginx.conf")],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            wait_until(self._proxies, 30, "nginx")
        except BaseException:
            self.stop()
            raise
        return self

    def _proxies(self):
        if self.process.poll() is not None:
            raise RuntimeError(f"nginx exited:\n{(self.folder / 'error.log').read_text()}")
        try:
            return urllib.request.urlopen(f"{self.url}/healthz", timeout=1).status == 200
        except OSError:
            return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: open requests finish
            self.process.wait(30)
        shutil.rmtree(self.folder, ignore_errors=True)


class ProductionStack:
    """`make serve`'s setup (and `make bench`'s): nginx on `port` in front of one gunicorn
    per port in `app_ports`, each serving `app` with deploy/gunicorn.conf.py and `env`
    (database, Redis) over this process's environment. Started in order, stopped in
    reverse, each by its PID."""

    def __init__(self, port, app_ports, env, workers=None, app="glossary.wsgi"):
        # Plain HTTP on 127.0.0.1 behind our nginx: the HTTPS-only protections are off.
        plain_http = {
            "DJANGO_BEHIND_PROXY": "1",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_SECURE_COOKIES": "0",
            "DJANGO_HSTS_SECONDS": "0",
        }
        config = DEPLOY / "gunicorn.conf.py"
        self.apps = [
            Gunicorn(p, plain_http | env, workers, config=config, app=app) for p in app_ports
        ]
        self.nginx = Nginx(port, app_ports)
        self.url = self.nginx.url
        self.started = []

    def start(self):
        try:
            for server in [*self.apps, self.nginx]:
                self.started.append(server.start())
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        while self.started:
            self.started.pop().stop()


def fetch(url, method="GET", body=None, headers=None, timeout=30):
    """(status, headers, body bytes, seconds) of one request; HTTP errors are answers too."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    start = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read(), time.monotonic() - start
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read(), time.monotonic() - start
