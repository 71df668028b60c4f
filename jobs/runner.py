"""Run one claimed job: find its handler, keep its lease alive, record the outcome.

Every way in (the django-q2 task, `process_jobs`, the worker endpoint) claims a
job through jobs/queue.py and then calls `job_execute`; none of them runs a
handler any other way.
"""

import json
import logging
import threading

from django.db import connections

from . import queue
from .models import QueueJob
from .registry import get_handler, registered_types

logger = logging.getLogger("jobs")


class LeaseKeeper:
    """Renews the job's lease from a side thread while the handler works.

    A failed renewal (a locked SQLite file, a dropped connection) is retried at
    the next tick rather than ending renewal, since a lapsed lease means another
    worker starts the job again. If the job is no longer ours (it was recovered
    after we stalled) `lost` is set; complete/fail are conditional on the lease,
    so a stale worker can never overwrite the new attempt's outcome.
    """

    def __init__(self, job: QueueJob, lease_seconds: int):
        self.job = job
        self.lease_seconds = lease_seconds
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{job.pk}", daemon=True)

    def _run(self):
        interval = max(self.lease_seconds / 3, 0.5)
        try:
            while not self._stop.wait(interval):
                try:
                    renewed = queue.job_renew_lease(job=self.job, lease_seconds=self.lease_seconds)
                except Exception:
                    logger.exception("job %s (%s) lease renewal failed; retrying", self.job.pk, self.job.job_type)
                    connections.close_all()
                    continue
                if not renewed:
                    self.lost = True
                    logger.warning(
                        "job %s (%s) lease lost: another worker may be running it", self.job.pk, self.job.job_type
                    )
                    return
        finally:
            connections.close_all()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=10)


def job_execute(job: QueueJob, **handler_kwargs) -> QueueJob:
    """Run a job this process has claimed and record how it ended.

    `handler_kwargs` reach the handler (a command passes its progress display).
    """
    handler = get_handler(job.job_type)
    if handler is None:
        known = ", ".join(registered_types()) or "none"
        queue.job_fail(
            job=job,
            error=f"No handler is registered for job type '{job.job_type}' (registered: {known}).",
            retryable=False,
        )
        return job
    try:
        with LeaseKeeper(job, handler.lease_seconds):
            result = handler.func(job, **handler_kwargs)
        json.dumps(result)  # a result the database cannot store is the handler's bug, not a crash
    except handler.retryable_errors as exc:
        queue.job_fail(job=job, error=_describe(exc), retryable=True, result=_partial_result(exc))
    except Exception as exc:
        logger.exception("job %s (%s) raised", job.pk, job.job_type)
        queue.job_fail(job=job, error=_describe(exc), retryable=False, result=_partial_result(exc))
    except BaseException as exc:
        # django-q2's timeout (a SystemExit) or a shutdown: record it, then let it
        # propagate so the process stops as it was asked to.
        queue.job_fail(job=job, error=f"interrupted: {_describe(exc) or 'stopped'}", retryable=True)
        raise
    else:
        queue.job_complete(job=job, result=result)
    return job


def _partial_result(exc: BaseException):
    """A handler may attach what it did before failing (`exc.result`); keep it if storable."""
    result = getattr(exc, "result", None)
    try:
        json.dumps(result)
    except (TypeError, ValueError):
        return None
    return result


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def jobs_run_due(*, worker: str, job_type: str | None = None, limit: int | None = None) -> list[QueueJob]:
    """Recover expired leases, then claim and run due jobs until none is left."""
    queue.jobs_recover_expired()
    done = []
    while limit is None or len(done) < limit:
        job = queue.job_claim_next(worker=worker, job_type=job_type)
        if job is None:
            break
        done.append(job_execute(job))
    return done
