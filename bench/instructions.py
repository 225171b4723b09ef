"""CPU instructions a request takes in-process, counted by callgrind: a figure that a shared
machine's load does not move, for comparing two versions of a page.

    python -m bench.instructions /bench/bare/ /terms/object-storage/ [--requests 200]

Each path runs under `valgrind --tool=callgrind` twice, through `bench.wsgi` (the site plus
the bare view), with 3 warm-up requests and then 0 and `--requests` more; the difference
over `--requests` is one request's instructions, start-up and warm-up left out. The database
and cache are those of the environment; set `PAGE_CACHE_SECONDS=0` to count misses.
Instructions of PostgreSQL and Redis are not counted: only this process's.
"""

import argparse
import io
import os
import re
import subprocess
import sys
import tempfile

from bench.servers import BASE_DIR, PYTHON

WARM_UP = 3
# Counted as readers count, so the API's throttles would answer 429 partway through.
UNTHROTTLED = {"API_THROTTLE_ANON": "1000000/minute", "API_THROTTLE_USER": "1000000/minute"}


def serve(path, requests):
    """Answer `path` WARM_UP + `requests` times in this process; fail unless each is a 200."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "glossary.settings")
    from bench.wsgi import application

    statuses = []
    for _ in range(WARM_UP + requests):
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "HTTP_HOST": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
        }
        b"".join(application(environ, lambda status, headers: statuses.append(status)))
        if not statuses[-1].startswith("200"):
            sys.exit(f"{path} answered {statuses[-1]}")


def counted(path, requests):
    """Instructions callgrind counts for a process that answers `path` as serve() does."""
    with tempfile.TemporaryDirectory() as folder:
        result = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={folder}/callgrind.out",
                str(PYTHON),
                "-m",
                "bench.instructions",
                "--serve",
                path,
                "--requests",
                str(requests),
            ],
            cwd=BASE_DIR,
            env={**os.environ, **UNTHROTTLED, "PYTHONHASHSEED": "0"},
            capture_output=True,
            text=True,
        )
    if result.returncode:
        sys.exit(result.stderr[-2000:])
    return int(re.search(r"Collected : (\d+)", result.stderr).group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.paths[0], args.requests)
        return
    for path in args.paths:
        per_request = (counted(path, args.requests) - counted(path, 0)) / args.requests
        print(f"{path}: {per_request / 1e6:.2f} M instructions a request", flush=True)


if __name__ == "__main__":
    main()
