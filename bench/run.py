"""`make bench`: the production path under wrk, in one table.

Starts a private PostgreSQL cluster and Redis, loads the sample glossary (and, with
`--search-terms 100000`, the synthetic set for search), starts nginx in front of two
gunicorn app servers (bench.servers.ProductionStack, as `make serve`) serving the site plus a bare view that touches no
database, then drives each row with wrk from this separate process for a fixed time and
concurrency, through one gunicorn directly and through nginx, each row right after a run of
the bare view that its share is taken of (a shared machine's load drifts within a run). "Cached" rows ask one URL
over and over (page cache hits); "uncached" rows ask a URL never asked before on every
request (an extra query parameter; for the API, which refuses one, an Origin), so every
request is a miss that the view renders and stores. Every server is the run's own, on ports from --port up, stopped by its PID.

    python -m bench.run [--duration 5s] [--rounds 3] [--connections 8] [--search-terms 100000]
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

from bench.servers import (
    BASE_DIR,
    PostgresCluster,
    ProductionStack,
    RedisServer,
    collect_static,
    manage,
    prepare_site,
)

SAMPLE = BASE_DIR / "terms" / "sample_glossary"
SCRIPT = Path(__file__).with_name("wrk-bench.lua")
SLUG = "object-storage"  # a sample term with use cases, equivalents and FAQs
QUERIES = ["storage", "kubernetes", "model", "retreival", "serverless", "vector", "encryption"]
QUERIES += ["data lake", "cache", "gpu", "token", "zero trust", "backup", "stream"]
# Words in most synthetic terms (bench/synthetic.py's COMMON): the slowest queries at 100,000.
COMMON = ["data", "cloud", "model", "service", "system", "network", "security", "compute"]


def warm(url, times=20):
    """Ask `url` a few times: every worker's connections and caches are then warm."""
    for _ in range(times):
        urllib.request.urlopen(url, timeout=30).read()
    time.sleep(0.1)


class Row:
    def __init__(self, label, path, *, miss=False, share=None, p99_ms=None):
        self.label, self.path, self.miss = label, path, miss
        self.share, self.p99_ms = share, p99_ms  # targets: of the bare view's rate; p99

    def target(self):
        if self.share:
            return f"≥ {self.share:.0%} of bare"
        return f"p99 ≤ {self.p99_ms} ms" if self.p99_ms else ""

    def met(self, result, share):
        if self.share:
            return share >= self.share
        return result.p99 <= self.p99_ms if self.p99_ms else None


BARE = Row("baseline: bare view, no database", "/bench/bare/")
ROWS = [
    BARE,
    Row("term page, cached", f"/terms/{SLUG}/", share=0.85),
    Row("term page, uncached", f"/terms/{SLUG}/", miss=True, share=0.10),
    Row("/terms/, cached", "/terms/", share=0.85),
    Row("/terms/, uncached", "/terms/", miss=True),
    Row("/compare/, cached", "/compare/", share=0.85),
    Row("/compare/, uncached", "/compare/", miss=True),
    Row("/search/, mixed queries, uncached", None, miss=True, p99_ms=100),
    Row("API detail, cached", f"/api/v1/terms/{SLUG}/", share=0.85),
    Row("API detail, uncached", f"/api/v1/terms/{SLUG}/", miss=True, share=0.10),
    Row("API list of 50, cached", "/api/v1/terms/?page_size=50", share=0.85),
    Row("API list of 50, uncached", "/api/v1/terms/?page_size=50", miss=True, share=0.03),
]


class Result:
    def __init__(self, rate, p50, p99):
        self.rate, self.p50, self.p99 = rate, p50, p99


def wrk(base, row, duration, connections, urls):
    env = {**os.environ, "BENCH_PATH": row.path or ""}
    if row.path is None:
        env["URLS"] = str(urls)
    if row.miss:
        env["MISS"] = uuid.uuid4().hex[:8]  # unique to this row and pass
    # A long timeout: a slow page's latency is a figure to report, not an error.
    command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{duration}"]
    command += ["--timeout", "30s"]
    out = subprocess.run(
        [*command, "-s", str(SCRIPT), base], env=env, capture_output=True, text=True, check=True
    ).stdout
    found = re.search(r"BENCH rate=([\d.]+) p50=([\d.]+) p99=([\d.]+) errors=(\d+)", out)
    if not found or int(found[4]):
        raise SystemExit(f"{row.label} at {base}: errors or no result\n{out}")
    return Result(*map(float, found.groups()[:3]))


def median(values):
    return statistics.median(values)


class Measured:
    """A row's figures over the rounds: the median of its runs, the median of the bare runs
    paired with them, and the median of each pair's share (a drifting load moves both
    sides of a pair together)."""

    def __init__(self, pairs):
        results, bares = [r for r, _ in pairs], [b for _, b in pairs]
        self.result, self.bare = (
            Result(*(median(getattr(r, name) for r in runs) for name in ("rate", "p50", "p99")))
            for runs in (results, bares)
        )
        self.share = median(r.rate / b.rate for r, b in pairs)


def measure(base, duration, connections, urls, rounds):
    """{row: Measured}: each row is run `rounds` times, each run right after a run of the
    bare view (bare, row, bare, row, ...), so each share compares two adjacent runs."""
    results = {}
    searches = Path(urls).read_text().split()
    warm(base + BARE.path)
    for row in ROWS:
        for path in [row.path] if row.path else searches:
            warm(base + path, times=20 if row.path else 2)
        pairs = []
        for _ in range(rounds):
            bare = wrk(base, BARE, duration, connections, urls)
            pairs.append(
                (bare if row is BARE else wrk(base, row, duration, connections, urls), bare)
            )
        results[row] = Measured(pairs)
        rates = ", ".join(f"{r.rate:.0f}/{b.rate:.0f}" for r, b in pairs)
        print(f"  {base} {row.label}: {rates} req/s (row/bare)", file=sys.stderr)
    return results


def table(passes):
    """One markdown table: each row through each server, the medians of its rounds, with its
    share of the bare view's rate (the median of each round's share)."""
    names = list(passes)
    head = ["", "target"]
    for name in names:
        head += [f"{name} req/s", "p50 ms", "p99 ms", "of bare"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for row in ROWS:
        cells = [row.label, row.target()]
        for name in names:
            measured = passes[name][row]
            result = measured.result
            met = row.met(result, measured.share)
            share = f"{100 * measured.share:.1f} %"
            if met is not None:
                share += " ✓" if met else " ✗"
            cells += [f"{result.rate:.0f}", f"{result.p50:.1f}", f"{result.p99:.1f}", share]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 8742)))
    parser.add_argument("--duration", default="5s", help="wrk -d per run")
    parser.add_argument(
        "--rounds", type=int, default=3, help="runs of each row, each after a bare run"
    )
    parser.add_argument("--connections", type=int, default=8, help="wrk -c")
    # Gunicorn's advice, as deploy/ sizes it: a worker waiting on PostgreSQL or Redis
    # leaves its core to another.
    workers = 2 * (os.cpu_count() or 1) + 1
    parser.add_argument("--workers", type=int, default=workers, help="sync workers per gunicorn")
    parser.add_argument(
        "--search-terms", type=int, default=0, help="synthetic terms to add for search (100000)"
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="TEXT",
        help="measure only the rows whose label contains TEXT (repeatable; the bare view always)",
    )
    parser.add_argument(
        "--through",
        choices=["both", "gunicorn", "nginx"],
        default="both",
        help="drive one gunicorn directly, nginx, or both",
    )
    args = parser.parse_args()
    if args.only:
        ROWS[:] = [row for row in ROWS if row is BARE or any(t in row.label for t in args.only)]
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk).")
    # Ports: nginx, two gunicorns, then Redis and PostgreSQL.
    postgres = PostgresCluster(args.port + 4)
    redis = RedisServer(args.port + 3)
    stack = None
    try:
        postgres.start()
        postgres.create_database("glossary")
        redis.start()
        env = {
            "DATABASE_URL": postgres.url("glossary"),
            "REDIS_URL": redis.url,
            "DJANGO_DEBUG": "",
            # The bench measures pages, not the throttles that guard them (DRF's user throttle
            # counts anonymous clients by address too). They still count, over a one-second
            # window: DRF keeps one timestamp per request in the window, and wrk's one client
            # at hundreds of misses a second would otherwise carry a minute's worth (tens of
            # thousands, where a real client's limit keeps it to 120 or 1,200).
            "API_THROTTLE_ANON": "100000000/second",
            "API_THROTTLE_USER": "100000000/second",
        }
        started = time.monotonic()
        prepare_site(env, [SAMPLE])
        loaded = f"the sample glossary ({time.monotonic() - started:.0f} s)"
        if args.search_terms:
            started = time.monotonic()
            manage("generate_terms", "--count", str(args.search_terms), env=env)
            loaded += f", {args.search_terms} synthetic terms ({time.monotonic() - started:.0f} s)"
        print(f"loaded {loaded}", file=sys.stderr)
        collect_static()
        stack = ProductionStack(
            args.port,
            [args.port + 1, args.port + 2],
            env,
            workers=args.workers,
            app="bench.wsgi:application",
        ).start()
        # At 100,000 terms, the most common words too: the slowest queries.
        queries = QUERIES + (COMMON if args.search_terms else [])
        with tempfile.NamedTemporaryFile("w", suffix=".urls") as urls:
            urls.write("".join(f"/search/?q={q.replace(' ', '+')}\n" for q in queries))
            urls.flush()
            bases = {"gunicorn": stack.apps[0].url, "nginx": stack.url}
            passes = {
                name: measure(base, args.duration, args.connections, urls.name, args.rounds)
                for name, base in bases.items()
                if args.through in ("both", name)
            }
    finally:
        if stack:
            stack.stop()
        redis.stop()
        postgres.remove()
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs; PostgreSQL + Redis; "
        f"nginx in front of 2 gunicorns x {args.workers} sync workers (gunicorn column: one of "
        f"them); wrk -c{args.connections} -d{args.duration}, {args.rounds} rounds (medians); "
        f"{loaded}\n"
    )
    print(table(passes))


if __name__ == "__main__":
    main()
