import logging
import signal
import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from jobs import queue, runner

logger = logging.getLogger("jobs")


class Command(BaseCommand):
    help = (
        "Claim and run due jobs in this process (for cron-only deployments and tests). "
        "With --once, run what is due and exit; otherwise poll until SIGTERM/SIGINT."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run every due job, then exit.")
        parser.add_argument("--poll", type=float, default=2.0, help="Seconds between polls (default 2).")

    def handle(self, *args, **options):
        worker = queue.worker_identity()
        if options["once"]:
            done = runner.jobs_run_due(worker=worker)
            self.stdout.write(f"Ran {len(done)} job(s).")
            return

        stopping = False

        def stop(signum, frame):  # only a flag: the current job finishes first
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stderr.write(f"Processing jobs as {worker}; Ctrl-C to stop.")
        while not stopping:
            try:
                job = queue.job_claim_next(worker=worker)
                if job is not None:
                    runner.job_execute(job)
                    continue
                queue.jobs_recover_expired()
            except DatabaseError:
                # A restarting database must not end the worker: wait, reconnect, go on.
                logger.exception("process_jobs: database error; retrying in %.0f s", options["poll"])
            finally:
                close_old_connections()
            deadline = time.monotonic() + options["poll"]
            while not stopping and time.monotonic() < deadline:
                time.sleep(0.1)
        self.stderr.write("Stopped.")
