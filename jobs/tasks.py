"""django-q2 task functions: thin, take ids, call one service.

A duplicate or late delivery is harmless: the claim finds nothing to do.
"""

import logging

from . import daily, queue, runner

logger = logging.getLogger("jobs")


def run_job(job_id: str) -> str:
    job = queue.job_claim(job_id=job_id, worker=queue.worker_identity())
    if job is None:
        return f"job {job_id}: nothing to do (not pending, not due, or claimed elsewhere)"
    runner.job_execute(job)
    return f"job {job_id}: {job.status}"


def enqueue_daily() -> str:
    job, created = daily.daily_job_enqueue(trigger="cron")
    return f"job {job.id} {'enqueued' if created else 'already enqueued for today'}"


def dispatch_due() -> int:
    return queue.jobs_dispatch_due()


def recover_expired() -> int:
    return queue.jobs_recover_expired()
