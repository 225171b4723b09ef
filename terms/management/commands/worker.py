import logging
import os
import threading

from django.db import DatabaseError, connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker

from terms import webhooks

logger = logging.getLogger("terms.worker")

SWEEP_SECONDS = 5


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
    while True:
        try:
            webhooks.heartbeat(worker_id)
            requeued = webhooks.requeue_lost()
            if requeued:
                logger.warning("Queued %d lost webhook deliveries again", requeued)
        except DatabaseError:
            logger.exception("The webhook sweep could not reach the database")
        finally:
            # This thread's own connections: the next round opens fresh ones.
            connections.close_all()
        threading.Event().wait(SWEEP_SECONDS)
