"""`make soak`: the production setup under load, then under outages; prints the figures.

1. gunicorn + PostgreSQL + Redis: 50 readers (pages, search, API, static files) and 5 API
   writers for 60 s.
2. gunicorn + SQLite: 8 readers and 2 writers (10 clients) for 60 s.
3. gunicorn + PostgreSQL + Redis under the same load, while PostgreSQL is stopped for 10 s,
   then Redis for 10 s; then, without load, PostgreSQL frozen (SIGSTOP).

Every check: no 5xx (outside the PostgreSQL outage, where only fast 503s are allowed), no
lost write (every write the API acknowledged is in the database afterwards), throttled
clients get 429, no worker killed for hanging, and pages answer again within 5 s of each
server's return. Every server is the soak's own (PostgreSQL on 5441, Redis on 6391, gunicorn
on 8740/8741), stopped by its PID. Run: `python -m bench.soak [--seconds 60]`.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from bench.servers import (
    BASE_DIR,
    PYTHON,
    Gunicorn,
    PostgresCluster,
    RedisServer,
    collect_static,
    fetch,
    prepare_site,
)

SAMPLE = BASE_DIR / "terms" / "sample_glossary"
SLUGS = sorted(path.stem for path in SAMPLE.glob("*.txt"))
QUERIES = ["storage", "kubernetes", "model", "retreival", "serverless", "vector", "encryption"]
# (weight, path maker): what a reader asks for.
READS = [
    (30, lambda: f"/terms/{random.choice(SLUGS)}/"),
    (15, lambda: "/terms/"),
    (15, lambda: f"/search/?q={random.choice(QUERIES)}"),
    (10, lambda: "/"),
    (10, lambda: "/api/v1/terms/"),
    (10, lambda: f"/api/v1/terms/{random.choice(SLUGS)}/"),
    (5, lambda: "/categories/"),
    (5, lambda: "/static/css/site.css"),
]
TIMEOUT = 60  # a request that takes this long counts as hung
RECOVERY_SECONDS = 5  # pages answer again this soon after a server is back
# A hung database: the health check's bound, then a fresh connection's connect timeout.
HUNG_ANSWER_SECONDS = 8


class Load:
    """Readers and writers against one site until `seconds` have passed."""

    def __init__(self, site, token, readers, writers):
        self.site, self.token = site, token
        self.readers, self.writers = readers, writers
        self.results = []  # (started, kind, path, status, seconds)
        self.acknowledged = {}  # slug: definition the API acknowledged last
        self.own = {}  # writer: the slug of the term it created last
        self.start = time.monotonic()

    def request(self, kind, path, method="GET", body=None):
        """(status, body); status 0 when there was no answer (refused, reset, timed out)."""
        headers = {}
        if body is not None:
            headers = {"Authorization": f"Token {self.token}", "Content-Type": "application/json"}
            body = json.dumps(body).encode()
        started = time.monotonic()
        try:
            status, _, content, _ = fetch(
                f"{self.site.url}{path}", method, body, headers, timeout=TIMEOUT
            )
        except OSError:
            status, content = 0, b""
        self.results.append((started - self.start, kind, path, status, time.monotonic() - started))
        return status, content

    def read(self, until):
        weights, makers = zip(*READS, strict=True)
        while time.monotonic() < until:
            self.request("read", random.choices(makers, weights)[0]())

    def write(self, writer, until):
        n = 0
        while time.monotonic() < until:
            n += 1
            if n % 5 == 1:
                # A new term each fifth write: a create that must survive.
                name = f"Soak W{writer} N{n} {random.randrange(10**9)}"
                body = {
                    "name": name,
                    "definition": f"{name} was written by the soak.",
                    "category": "storage",
                    "difficulty": "beginner",
                }
                status, content = self.request("write", "/api/v1/terms/", "POST", body)
                if status == 201:
                    slug = json.loads(content)["slug"]
                    self.acknowledged[slug] = body["definition"]
                    self.own[writer] = slug
            elif slug := self.own.get(writer):
                text = f"Changed by writer {writer}, write {n}."
                path = f"/api/v1/terms/{slug}/"
                if self.request("write", path, "PATCH", {"definition": text})[0] == 200:
                    self.acknowledged[slug] = text

    def run(self, seconds, during=None):
        until = self.start + seconds
        threads = [threading.Thread(target=self.read, args=[until]) for _ in range(self.readers)]
        threads += [
            threading.Thread(target=self.write, args=[w, until]) for w in range(self.writers)
        ]
        for thread in threads:
            thread.start()
        if during:
            during(self)
        for thread in threads:
            thread.join()
        return self


def stored_definitions(env, slugs):
    """{slug: definition} as the database holds them, read by a separate process."""
    script = (
        "import json, sys, django; django.setup()\n"
        "from terms.models import Term\n"
        "slugs = json.load(sys.stdin)\n"
        "terms = Term.objects.filter(slug__in=slugs).values_list('slug', 'definition')\n"
        "print(json.dumps(dict(terms)))"
    )
    out = subprocess.run(
        [str(PYTHON), "-c", script],
        input=json.dumps(slugs),
        capture_output=True,
        text=True,
        check=True,
        cwd=BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "glossary.settings", **env},
    ).stdout
    return json.loads(out)


def percentile(values, p):
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def figures(label, load, env, site, seconds):
    statuses = Counter(status for *_, status, _ in load.results)
    latencies = [s for *_, s in load.results]
    stored = stored_definitions(env, list(load.acknowledged))
    lost = [slug for slug, text in load.acknowledged.items() if stored.get(slug) != text]
    timeouts = site.log.read_text().count("WORKER TIMEOUT")
    row = {
        "run": label,
        "requests": len(load.results),
        "per_second": round(len(load.results) / seconds, 1),
        "statuses": dict(sorted(statuses.items())),
        "5xx": sum(n for s, n in statuses.items() if s >= 500 or s == 0),
        "429": statuses.get(429, 0),
        "p50_ms": round(percentile(latencies, 50) * 1000),
        "p95_ms": round(percentile(latencies, 95) * 1000),
        "p99_ms": round(percentile(latencies, 99) * 1000),
        "max_ms": round(max(latencies, default=0) * 1000),
        "writes_acknowledged": sum(
            1 for _, kind, _, status, _ in load.results if kind == "write" and status in (200, 201)
        ),
        "terms_checked": len(load.acknowledged),
        "writes_lost": len(lost),
        "worker_timeouts": timeouts,
    }
    print(json.dumps(row), flush=True)
    return row


def outage(pg, redis_server, marks):
    """Stop PostgreSQL for 10 s, then Redis for 10 s, noting when each went and came back."""

    def during(load):
        time.sleep(5)
        marks["pg_down"] = time.monotonic() - load.start
        pg.stop()
        time.sleep(10)
        pg.start()
        marks["pg_up"] = time.monotonic() - load.start
        time.sleep(5)
        marks["redis_down"] = time.monotonic() - load.start
        redis_server.stop()
        time.sleep(10)
        redis_server.start()
        marks["redis_up"] = time.monotonic() - load.start

    return during


def outage_figures(load, marks):
    """503s while PostgreSQL was down, errors while Redis was down, and recovery times."""
    reads = [(t, path, status, s) for t, kind, path, status, s in load.results]
    db_reads = [r for r in reads if not r[1].startswith("/static/")]
    in_pg = [r for r in db_reads if marks["pg_down"] <= r[0] < marks["pg_up"]]
    in_redis = [r for r in reads if marks["redis_down"] <= r[0] < marks["redis_up"]]

    def recovery(back):
        after = sorted(r for r in db_reads if r[0] >= back)
        ok = next((r[0] + r[3] for r in after if r[2] in (200, 201, 429)), None)
        # Recovered once requests started after the first good answer all succeed.
        failing = [r for r in after if r[2] >= 500 or r[2] == 0]
        last_failure = max((r[0] + r[3] for r in failing), default=back)
        return round(max(ok or back, last_failure) - back, 2)

    row = {
        "run": "outage",
        "pg_outage_requests": len(in_pg),
        "pg_outage_statuses": dict(sorted(Counter(r[2] for r in in_pg).items())),
        "pg_outage_503_max_ms": round(max((r[3] for r in in_pg if r[2] == 503), default=0) * 1000),
        "pg_recovery_s": recovery(marks["pg_up"]),
        "redis_outage_requests": len(in_redis),
        "redis_outage_5xx": sum(1 for r in in_redis if r[2] >= 500 or r[2] == 0),
        "redis_recovery_s": recovery(marks["redis_up"]),
        # Only a 503 may answer during the outage: one queued before PostgreSQL stopped may
        # be answered while it is down, and recovery has its own figure.
        "errors_not_503": sum(1 for r in reads if r[2] >= 500 and r[2] != 503 or r[2] == 0),
        "503_outside_pg_outage": sum(
            1
            for t, path, status, s in reads
            if status == 503
            and not (t + s >= marks["pg_down"] and t < marks["pg_up"] + RECOVERY_SECONDS)
        ),
    }
    print(json.dumps(row), flush=True)
    return row


def hung_figures(pg, site):
    """PostgreSQL frozen (every process SIGSTOPped), no load: how long each probe takes."""
    paths = ["/terms/", "/api/v1/terms/", "/api/v1/health/ready/", "/api/v1/health/"]
    paths.append("/static/css/site.css")
    pg.freeze()
    try:
        probes = [(path, *fetch(f"{site.url}{path}", timeout=TIMEOUT)[::3]) for path in paths]
    finally:
        pg.thaw()
    back = [fetch(f"{site.url}{path}", timeout=TIMEOUT)[0] for path in paths]
    row = {
        "run": "postgresql hung",
        "answers": {path: [status, round(seconds * 1000)] for path, status, seconds in probes},
        "after_thaw": back,
    }
    print(json.dumps(row), flush=True)
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    collect_static()
    rows = []
    pg = PostgresCluster(5441).start()
    redis_server = RedisServer(6391).start()
    try:
        pg.create_database("soak")
        env = {"DATABASE_URL": pg.url("soak"), "REDIS_URL": redis_server.url}
        token = prepare_site(env, [SAMPLE])
        site = Gunicorn(8740, env, workers=4).start()
        try:
            load = Load(site, token, readers=50, writers=5).run(args.seconds)
            rows.append(figures("postgresql+redis", load, env, site, args.seconds))
            marks = {}
            load = Load(site, token, readers=50, writers=5).run(40, outage(pg, redis_server, marks))
            rows.append(figures("outage (postgresql+redis)", load, env, site, 40))
            rows.append(outage_figures(load, marks))
            rows.append(hung_figures(pg, site))
        finally:
            site.stop()
    finally:
        redis_server.stop()
        pg.remove()

    with tempfile.TemporaryDirectory() as folder:
        env = {"DATABASE_URL": f"sqlite:///{Path(folder) / 'soak.sqlite3'}", "REDIS_URL": ""}
        token = prepare_site(env, [SAMPLE])
        site = Gunicorn(8741, env, workers=4).start()
        try:
            load = Load(site, token, readers=8, writers=2).run(args.seconds)
            rows.append(figures("sqlite", load, env, site, args.seconds))
        finally:
            site.stop()

    failures = check(rows)
    print("\n".join(failures) if failures else "soak: every check passed")
    return 1 if failures else 0


def check(rows):
    """What the soak promises, as messages for each broken promise."""
    failures = []
    for row in rows:
        if "writes_lost" in row:
            if row["writes_lost"]:
                failures.append(f"{row['run']}: {row['writes_lost']} acknowledged writes lost")
            if row["worker_timeouts"]:
                failures.append(
                    f"{row['run']}: {row['worker_timeouts']} workers killed for hanging"
                )
            if row["run"] in ("postgresql+redis", "sqlite") and row["5xx"]:
                failures.append(f"{row['run']}: {row['5xx']} server errors")
        if row["run"] == "postgresql+redis" and not row["429"]:
            failures.append("postgresql+redis: no client was throttled")
    outage_row = rows[2]
    if set(outage_row["pg_outage_statuses"]) - {200, 201, 304, 429, 503}:
        failures.append(f"outage: PostgreSQL down gave {outage_row['pg_outage_statuses']}")
    if outage_row["pg_outage_503_max_ms"] > 5000:
        failures.append("outage: a 503 took more than 5 s")
    hung = rows[3]
    expected = [503, 503, 503, 200, 200]
    if [status for status, _ in hung["answers"].values()] != expected:
        failures.append(f"postgresql hung: answers {hung['answers']}")
    if max(ms for _, ms in hung["answers"].values()) > HUNG_ANSWER_SECONDS * 1000:
        failures.append(f"postgresql hung: an answer took more than {HUNG_ANSWER_SECONDS} s")
    if hung["after_thaw"] != [200] * len(expected):
        failures.append(f"postgresql hung: after the thaw {hung['after_thaw']}")
    for which in ("pg", "redis"):
        if outage_row[f"{which}_recovery_s"] > RECOVERY_SECONDS:
            failures.append(f"outage: {which} recovery took {outage_row[f'{which}_recovery_s']} s")
    if outage_row["errors_not_503"]:
        failures.append(f"outage: {outage_row['errors_not_503']} errors other than 503")
    if outage_row["redis_outage_5xx"] or outage_row["503_outside_pg_outage"]:
        failures.append("outage: server errors outside the PostgreSQL outage")
    return failures


if __name__ == "__main__":
    sys.exit(main())
