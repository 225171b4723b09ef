import itertools
import logging
import os
import threading
from datetime import timedelta

from django.db import DatabaseError, connections
from django.utils import timezone
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from terms import webhooks

logger = logging.getLogger("terms.worker")

SWEEP_SECONDS = 5
# Every so many sweeps (about ten minutes), old deliveries and finished tasks are forgotten.
PRUNE_EVERY = 120
# The queue's finished tasks: the deliveries keep what matters of them.
TASKS_KEPT = timedelta(days=1)


class Command(db_worker.Command):
    help = (
        "Run the task worker: it sends webhook deliveries (and any other queued task) from "
        "the database queue. Run one or more beside the app servers; stop it with Ctrl+C or "
        "SIGTERM, which lets the attempt under way finish."
    )

    def handle(self, *args, **options):
        # With --reload the first process only watches files; its child does the work.
        if not options["reload"] or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            sweeper = threading.Thread(
                target=sweep, args=(options["worker_id"],), name="webhook-sweep", daemon=True
            )
            sweeper.start()
        super().handle(*args, **options)


def sweep(worker_id):
    """Beside the worker's loop: say it is alive, and queue again the deliveries a killed
    worker left behind."""
    for round_ in itertools.count():
        try:
            webhooks.heartbeat(worker_id)
            requeued = webhooks.requeue_lost()
            if requeued:
                logger.warning("Queued %d lost webhook deliveries again", requeued)
            if round_ % PRUNE_EVERY == 0:
                prune()
        except DatabaseError:
            logger.exception("The webhook sweep could not reach the database")
        finally:
            # This thread's own connections: the next round opens fresh ones.
            connections.close_all()
        threading.Event().wait(SWEEP_SECONDS)


def prune(limit=1000):
    """Forget old finished deliveries, and finished tasks, a bounded number per round."""
    webhooks.prune(limit=limit)
    cutoff = timezone.now() - TASKS_KEPT
    old = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff)
    # A delivery's attempt takes seconds: one "running" for a day was a killed worker's.
    dead = DBTaskResult.objects.running().filter(
        task_path=webhooks.deliver.module_path, started_at__lt=cutoff
    )
    for tasks in (old, dead):
        pks = list(tasks.values_list("pk", flat=True)[:limit])
        DBTaskResult.objects.filter(pk__in=pks).delete()
