"""Requests per second of the reader pages against a bare Django view, under gunicorn + wrk."""

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from terms.models import Term

PAGES = {
    "bare view": "/bench/bare/",
    "term page": "/terms/{slug}/",
    "home": "/",
    "A-Z index": "/terms/",
    "compare": "/compare/",
}


class Command(BaseCommand):
    help = (
        "Serve the site with gunicorn (2 sync workers) and measure req/s of a bare view "
        "and of the reader pages with wrk. Uses the database in DATABASE_URL as it is."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8101)
        parser.add_argument("--duration", default="10s", help="wrk -d (default 10s)")
        parser.add_argument("--connections", type=int, default=8, help="wrk -c (default 8)")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--slug", help="term page to measure (default: the first term)")

    def handle(self, *args, port, duration, connections, workers, slug, **options):
        wrk = shutil.which("wrk")
        if not wrk:
            raise CommandError("wrk is not installed (apt-get install wrk).")
        term = Term.objects.filter(slug=slug) if slug else Term.objects.order_by("name")
        term = term.first()
        if term is None:
            raise CommandError("No term to measure: run `manage.py import_glossary` first.")
        call_command("collectstatic", interactive=False, verbosity=0)  # served as in production
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "bench.wsgi:application",
             "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
             "--worker-class", "sync", "--log-level", "warning"],
            env={**os.environ, "DJANGO_DEBUG": ""},
        )  # fmt: skip
        try:
            self.wait_until_up(base + PAGES["bare view"])
            self.stdout.write(
                f"gunicorn {workers} sync workers, wrk -t2 -c{connections} -d{duration}, "
                f"{Term.objects.count()} terms"
            )
            bare_rate = None
            for label, url in PAGES.items():
                url = base + url.format(slug=term.slug)
                for _ in range(50):  # warm every worker's caches and connections
                    urllib.request.urlopen(url).read()
                rate, latency = self.wrk(wrk, url, duration, connections)
                bare_rate = bare_rate or rate
                self.stdout.write(
                    f"{label:10} {rate:9.0f} req/s  avg latency {latency:>8}  "
                    f"{100 * rate / bare_rate:5.1f} % of bare"
                )
        finally:
            server.terminate()
            server.wait(timeout=10)

    def wait_until_up(self, url):
        for _ in range(100):
            try:
                urllib.request.urlopen(url).read()
                return
            except OSError:
                time.sleep(0.1)
        raise CommandError(f"gunicorn did not answer at {url}")

    def wrk(self, wrk, url, duration, connections):
        out = subprocess.run(
            [wrk, "-t2", f"-c{connections}", f"-d{duration}", url],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        latency = re.search(r"Latency\s+(\S+)", out).group(1)
        if "Non-2xx" in out:
            raise CommandError(f"{url} answered errors:\n{out}")
        return rate, latency
