"""The QueueJob lifecycle: enqueue, claim, renew, complete, fail, recover, retry.

Every state change is a conditional UPDATE that names the state it expects, so
two workers can never both win the same transition: the loser's update touches
no row and it simply moves on.
"""

import logging
import os
import random
import socket
import uuid
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import QueueJob

logger = logging.getLogger("jobs")

Status = QueueJob.Status

DEFAULT_MAX_ATTEMPTS = 3
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600
# How many due jobs one dispatch pass hands to django-q2 at most.
DISPATCH_BATCH = 50
# A task sent this long ago and still not run is presumed lost (its cluster was
# killed before the task was acknowledged) and is sent again.
REDISPATCH_AFTER = timedelta(minutes=10)


def worker_identity() -> str:
    """Names this process in `locked_by`, so an operator can tell who holds a job."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def job_enqueue(
    *,
    job_type: str,
    trigger: str = QueueJob.Trigger.API,
    payload: dict | None = None,
    dedupe_key: str | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    run_after: datetime | None = None,
    dispatch: bool = True,
) -> tuple[QueueJob, bool]:
    """Create a pending job, or return the existing one with the same `dedupe_key`.

    Returns (job, created). Concurrent calls with one key create one row: the
    unique constraint decides, and the losers read the winner's row. With
    `dispatch=False` no worker is woken: the caller means to claim it itself.
    """
    fields = {
        "job_type": job_type,
        "trigger": trigger,
        "payload": payload or {},
        "max_attempts": max_attempts,
        "run_after": run_after or timezone.now(),
    }
    if dedupe_key is None:
        job, created = QueueJob.objects.create(**fields), True
    else:
        try:
            job, created = QueueJob.objects.get_or_create(dedupe_key=dedupe_key, defaults=fields)
        except IntegrityError:
            # get_or_create retries the read itself; this covers a winner whose
            # transaction had not committed yet when we read.
            job, created = QueueJob.objects.get(dedupe_key=dedupe_key), False
    if created:
        logger.info(
            "job %s (%s) enqueued trigger=%s dedupe_key=%s",
            job.id,
            job.job_type,
            job.trigger,
            dedupe_key,
        )
        if dispatch:
            job_dispatch_on_commit(job.id)
    return job, created


def job_dispatch_on_commit(job_id) -> None:
    """Wake a django-q2 worker for this job once the row is committed."""
    transaction.on_commit(lambda: job_dispatch(job_id))


def job_dispatch(job_id) -> None:
    from django_q.tasks import async_task

    try:
        async_task("jobs.tasks.run_job", str(job_id), task_name=f"job {job_id}", group="jobs")
        QueueJob.objects.filter(pk=job_id).update(dispatched_at=timezone.now())
    except Exception:
        # The every-minute dispatcher will find the job; the row itself is safe.
        logger.exception("job %s could not be handed to django-q2; it will be picked up later", job_id)


def _claim_fields(*, worker: str, lease_seconds: int, now: datetime) -> dict:
    return {
        "status": Status.PROCESSING,
        "attempts": F("attempts") + 1,
        "locked_by": worker,
        "lease_expires_at": now + timedelta(seconds=lease_seconds),
        "started_at": now,
        "finished_at": None,
    }


def _lease_for(job_type: str) -> int:
    from .registry import get_handler

    handler = get_handler(job_type)
    return handler.lease_seconds if handler else 60


def job_claim(*, job_id, worker: str, now: datetime | None = None) -> QueueJob | None:
    """Claim one specific job if it is pending and due; None if someone else has it."""
    now = now or timezone.now()
    try:
        job_type = QueueJob.objects.values_list("job_type", flat=True).get(pk=job_id)
    except QueueJob.DoesNotExist:
        return None
    claimed = QueueJob.objects.filter(pk=job_id, status=Status.PENDING, run_after__lte=now).update(
        **_claim_fields(worker=worker, lease_seconds=_lease_for(job_type), now=now)
    )
    if claimed != 1:
        return None
    job = QueueJob.objects.get(pk=job_id)
    logger.info("job %s (%s) claimed by %s attempt=%d", job.id, job.job_type, worker, job.attempts)
    return job


def job_claim_next(*, worker: str, job_type: str | None = None, now: datetime | None = None) -> QueueJob | None:
    """Claim the oldest due pending job (of `job_type`, if given)."""
    now = now or timezone.now()
    due = QueueJob.objects.filter(status=Status.PENDING, run_after__lte=now)
    if job_type:
        due = due.filter(job_type=job_type)
    due = due.order_by("run_after", "created_at")
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            # PostgreSQL: each worker locks a different row instead of queueing on one.
            due = due.select_for_update(skip_locked=True)
        # Elsewhere (SQLite, IMMEDIATE transactions) the write lock serialises claims;
        # the conditional update below is the guard either way.
        candidate = due.values_list("pk", "job_type").first()
        if candidate is None:
            return None
        pk, candidate_type = candidate
        claimed = QueueJob.objects.filter(pk=pk, status=Status.PENDING).update(
            **_claim_fields(worker=worker, lease_seconds=_lease_for(candidate_type), now=now)
        )
    if claimed != 1:
        return None
    job = QueueJob.objects.get(pk=pk)
    logger.info("job %s (%s) claimed by %s attempt=%d", job.id, job.job_type, worker, job.attempts)
    return job


def job_renew_lease(*, job: QueueJob, lease_seconds: int) -> bool:
    """Extend our lease; False means the job is no longer ours (it was recovered)."""
    renewed = QueueJob.objects.filter(pk=job.pk, status=Status.PROCESSING, locked_by=job.locked_by).update(
        lease_expires_at=timezone.now() + timedelta(seconds=lease_seconds)
    )
    return renewed == 1


def job_complete(*, job: QueueJob, result) -> bool:
    now = timezone.now()
    done = QueueJob.objects.filter(pk=job.pk, status=Status.PROCESSING, locked_by=job.locked_by).update(
        status=Status.COMPLETED, result=result, finished_at=now, lease_expires_at=None
    )
    if done != 1:
        logger.warning("job %s (%s) finished but its lease was lost; result not recorded", job.id, job.job_type)
        return False
    job.status, job.result, job.finished_at, job.lease_expires_at = Status.COMPLETED, result, now, None
    logger.info(
        "job %s (%s) completed attempt=%d in %.1fs",
        job.id,
        job.job_type,
        job.attempts,
        (now - job.started_at).total_seconds() if job.started_at else 0.0,
    )
    return True


def backoff_delay(attempt: int) -> float:
    """Exponential backoff with full jitter on the upper half: 30 s, 60 s, 120 s, ..."""
    ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(attempt - 1, 0))
    return random.uniform(ceiling / 2, ceiling)


def job_fail(*, job: QueueJob, error: str, retryable: bool, result=None) -> bool:
    """Record a failed attempt: back to pending after a backoff, or failed for good."""
    now = timezone.now()
    errors = [*job.errors, f"attempt {job.attempts}: {error}"]
    will_retry = retryable and job.attempts < job.max_attempts
    fields = {"errors": errors, "lease_expires_at": None, "result": result}
    if will_retry:
        fields.update(
            status=Status.PENDING,
            run_after=now + timedelta(seconds=backoff_delay(job.attempts)),
            locked_by="",
            dispatched_at=None,  # the dispatcher sends it when the backoff ends
        )
    else:
        fields.update(status=Status.FAILED, finished_at=now)
    updated = QueueJob.objects.filter(pk=job.pk, status=Status.PROCESSING, locked_by=job.locked_by).update(**fields)
    if updated != 1:
        logger.warning("job %s (%s) failed but its lease was lost: %s", job.id, job.job_type, error)
        return False
    for name, value in fields.items():
        setattr(job, name, value)
    if will_retry:
        logger.warning(
            "job %s (%s) attempt %d/%d failed, retry at %s: %s",
            job.id,
            job.job_type,
            job.attempts,
            job.max_attempts,
            job.run_after.isoformat(),
            error,
        )
    else:
        logger.error(
            "job %s (%s) failed for good after attempt %d/%d: %s",
            job.id,
            job.job_type,
            job.attempts,
            job.max_attempts,
            error,
        )
    return True


def jobs_recover_expired(*, now: datetime | None = None) -> int:
    """Give jobs whose worker stopped renewing its lease (it died) back to the queue."""
    now = now or timezone.now()
    recovered = 0
    expired = QueueJob.objects.filter(status=Status.PROCESSING, lease_expires_at__lt=now)
    for job in expired.only("pk", "job_type", "attempts", "max_attempts", "errors", "locked_by"):
        note = (
            f"attempt {job.attempts}: lease held by {job.locked_by or 'unknown worker'} "
            f"expired (the worker stopped or died); recovered"
        )
        fields = {"errors": [*job.errors, note], "lease_expires_at": None, "locked_by": ""}
        if job.attempts < job.max_attempts:
            fields.update(status=Status.PENDING, run_after=now)
        else:
            fields.update(status=Status.FAILED, finished_at=now)
        # Conditional on the lease we saw: a worker that renewed in between keeps it.
        updated = QueueJob.objects.filter(
            pk=job.pk, status=Status.PROCESSING, locked_by=job.locked_by, lease_expires_at__lt=now
        ).update(**fields)
        if updated != 1:
            continue
        recovered += 1
        if fields["status"] == Status.PENDING:
            logger.warning("job %s (%s) recovered from %s; it will run again", job.pk, job.job_type, job.locked_by)
            job_dispatch_on_commit(job.pk)
        else:
            logger.error(
                "job %s (%s) recovered from %s but has used all %d attempts; failed",
                job.pk,
                job.job_type,
                job.locked_by,
                job.max_attempts,
            )
    return recovered


def job_retry(*, job: QueueJob) -> bool:
    """Put a failed job back in the queue with a fresh budget of attempts (admin action)."""
    updated = QueueJob.objects.filter(pk=job.pk, status=Status.FAILED).update(
        status=Status.PENDING,
        run_after=timezone.now(),
        finished_at=None,
        max_attempts=F("attempts") + DEFAULT_MAX_ATTEMPTS,
    )
    if updated == 1:
        logger.info("job %s (%s) queued again by hand", job.id, job.job_type)
        job_dispatch_on_commit(job.pk)
    return updated == 1


def jobs_dispatch_due(*, now: datetime | None = None) -> int:
    """Hand due pending jobs to django-q2: retries whose backoff ended, jobs whose
    task was lost. A duplicate would be harmless (claims are atomic), but is avoided."""
    now = now or timezone.now()
    not_recently_sent = Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=now - REDISPATCH_AFTER)
    ids = list(
        QueueJob.objects.filter(not_recently_sent, status=Status.PENDING, run_after__lte=now)
        .order_by("run_after", "created_at")
        .values_list("pk", flat=True)[:DISPATCH_BATCH]
    )
    for job_id in ids:
        job_dispatch(job_id)
    return len(ids)
