"""`make serve`: the production path on 127.0.0.1, nginx in front of two gunicorn app
servers on PostgreSQL and Redis, and the task worker, until Ctrl-C.

DATABASE_URL and REDIS_URL name the database and Redis (defaults below); SERVE_PORT is
nginx's port, and the app servers take the two ports after it.
"""

import os
import signal
import sys
import urllib.parse

import psycopg

from bench.servers import BASE_DIR, ProductionStack, TaskWorker, manage

DEFAULTS = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/glossary",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def create_database(url):
    """Create the database `url` names when its server does not have it yet."""
    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    server = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if exists.fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')


def main():
    env = {name: os.environ.get(name) or default for name, default in DEFAULTS.items()}
    port = int(os.environ.get("SERVE_PORT") or 8080)
    if env["DATABASE_URL"].startswith("postgres"):
        create_database(env["DATABASE_URL"])
    manage("migrate", "--no-input", env=env)
    manage("import_glossary", "--if-empty", str(BASE_DIR / "terms" / "sample_glossary"), env=env)
    manage("collectstatic", "--no-input", env=env)

    stack = ProductionStack(port, [port + 1, port + 2], env)
    worker = TaskWorker(env)
    # SIGTERM ends the stack like Ctrl-C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        stack.start()
        worker.start()
        print(f"Glossary is running behind nginx: {stack.url}/", flush=True)
        print(f"  app servers: {', '.join(app.url for app in stack.apps)}", flush=True)
        print(f"  task worker: pid {worker.process.pid}", flush=True)
        print("Quit with CONTROL-C.", flush=True)
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        worker.stop()
        stack.stop()
        print("Stopped the task worker, nginx and both app servers.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
