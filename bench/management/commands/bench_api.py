"""Measure the API's throughput against a bare Django view, with wrk, on a running server.

Start the server first, with throttling out of the way, e.g.:

    API_THROTTLE_ANON=1000000/minute .venv/bin/gunicorn glossary.wsgi -w 2 -b 127.0.0.1:8102
"""

import re
import shutil
import subprocess

from django.core.management.base import BaseCommand, CommandError

from terms.models import Term

# (label, path, the share of the bare view's rate it must reach)
TARGETS = [
    ("bare Django view", "/api/v1/health/", None),
    ("term detail", "/api/v1/terms/{slug}/", 0.10),
    ("term list, 50 a page", "/api/v1/terms/?page_size=50", 0.03),
]


class Command(BaseCommand):
    help = "Print requests/s for the bare view, a term detail and a list page of 50 (needs wrk)."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8102", help="The running server.")
        parser.add_argument("--duration", default="10s", help="wrk's -d, per URL.")
        parser.add_argument("--connections", type=int, default=8, help="wrk's -c.")
        parser.add_argument("--slug", help="The term to fetch; default: the one with most FAQs.")

    def handle(self, *args, url, duration, connections, slug, **options):
        if shutil.which("wrk") is None:
            raise CommandError("wrk is not installed (apt-get install wrk).")
        slug = slug or self._busiest_slug()
        base = None
        for label, path, target in TARGETS:
            rate = self._wrk(url + path.format(slug=slug), duration, connections)
            base = base or rate
            line = f"{label:<22} {rate:>9.0f} req/s"
            if target is not None:
                share = rate / base
                verdict = "ok" if share >= target else "BELOW TARGET"
                line += f"  {share:6.1%} of bare (target ≥ {target:.0%}: {verdict})"
            self.stdout.write(line)

    def _busiest_slug(self):
        from django.db.models import Count

        term = Term.objects.annotate(n=Count("faqs")).order_by("-n", "name").first()
        if term is None:
            raise CommandError("No terms: import the sample glossary first.")
        return term.slug

    def _wrk(self, url, duration, connections):
        # wrk threads cannot exceed connections.
        threads = min(2, connections)
        command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}", url]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        if "Non-2xx" in out:
            raise CommandError(f"{url} answered errors (throttled?):\n{out}")
        return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
