"""Gunicorn's settings for Glossary: `gunicorn -c deploy/gunicorn.conf.py glossary.wsgi`.

Every value can be overridden on the command line or by the variables below.
"""

import gc
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Sync workers: each request is short and CPU-bound (rendering, search), so one process per
# request in flight; gunicorn's rule of thumb keeps a core busy while another worker waits on
# the database or Redis. WEB_CONCURRENCY (which gunicorn reads itself) sets the count.
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)

# A worker silent this long is killed and replaced: far above the database's statement
# timeout (settings.DATABASE_STATEMENT_TIMEOUT), so it only fires on a real hang.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On HUP or TERM, workers finish the requests they hold for up to this long.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# Workers are recycled now and then (at staggered counts), so a slow leak never grows; a
# recycle is graceful: the old worker ends its request first.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "10000"))
max_requests_jitter = max_requests // 10

# The app is imported once, in the master, and each worker is a fork of it: a recycled
# worker is ready in milliseconds instead of a second of CPU spent importing Django again
# (under load that second is taken from the requests), and the workers share the app's
# memory. A release therefore restarts the server (or sends USR2 to start a new master
# beside the old one); HUP alone restarts workers on the code already loaded.
# GUNICORN_PRELOAD=0 imports the app in each worker instead, and HUP then loads new code.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"


def when_ready(server):
    """With the app preloaded, move everything it allocated out of the garbage collector's
    reach before the workers fork (Python's gc.freeze() advice for fork without exec): a
    worker's collections then neither walk those objects nor copy their pages."""
    if server.cfg.preload_app:
        gc.freeze()


# The app logs one line per request with its request id (glossary/logs.py); gunicorn's own
# access log would repeat it without the id. Its error log goes to stderr.
accesslog = None
errorlog = "-"

# nginx on this host is the only proxy whose X-Forwarded-* gunicorn believes.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
