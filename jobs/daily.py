"""The daily prospect-queue job, as far as the queue is concerned.

`jobs` only knows its name and when it runs; the `outreach` app registers the
handler that does the work.
"""

import uuid

from django.utils import timezone

from . import queue
from .models import QueueJob

DAILY_JOB_TYPE = "daily_prospect_queue"


def daily_dedupe_key(now=None) -> str:
    """One job per local day (TIME_ZONE), however many triggers fire."""
    return f"{DAILY_JOB_TYPE}:{timezone.localdate(now or timezone.now()).isoformat()}"


def daily_job_enqueue(*, trigger: str, force: bool = False, payload: dict | None = None) -> tuple[QueueJob, bool]:
    """Enqueue today's daily job; `force` adds another run even if today's exists."""
    key = daily_dedupe_key()
    if force:
        # Still unique, so a double-clicked forced run is not two runs.
        key = f"{key}:forced:{uuid.uuid4().hex}"
    return queue.job_enqueue(job_type=DAILY_JOB_TYPE, trigger=trigger, payload=payload, dedupe_key=key)
