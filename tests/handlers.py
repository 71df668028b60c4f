"""Job handlers used by the queue tests, in this process and in worker subprocesses.

Each records its runs by appending a line to the file named in the payload:
O_APPEND writes of one short line are atomic across processes, so the file is a
faithful log of who ran what.
"""

import os
import time
from pathlib import Path

from jobs.daily import DAILY_JOB_TYPE
from jobs.registry import RetryableError, get_handler, handler, register


def record(job, event: str = "ran") -> None:
    path = job.payload.get("record_to")
    if path:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, f"{job.pk} {job.attempts} {event} {os.getpid()}\n".encode())
        finally:
            os.close(fd)


@handler("test.record")
def record_run(job):
    if job.payload.get("sleep"):
        time.sleep(job.payload["sleep"])
    record(job)
    return {"ran": True, "attempt": job.attempts}


@handler("test.flaky")
def flaky(job):
    record(job)
    if job.attempts <= job.payload.get("fail_times", 0):
        raise RetryableError(f"service unavailable on attempt {job.attempts}")
    return {"attempt": job.attempts}


@handler("test.broken")
def broken(job):
    record(job)
    raise ValueError("the payload names no campaign")


@handler("test.stall_first", lease_seconds=3)
def stall_first(job):
    """Hangs on its first attempt (so a test can kill the worker); finishes after."""
    record(job, "started")
    if job.attempts == 1:
        Path(job.payload["started_marker"]).touch()
        time.sleep(600)
    record(job)
    return {"attempt": job.attempts}


def _daily_stand_in(job):
    """Until the outreach app registers the real daily pipeline, the queue tests
    drive the daily job type through this; once the real one exists it is used."""
    record(job)
    return {
        "prospectsDiscovered": 0,
        "prospectsScored": 0,
        "prospectsQueued": 0,
        "emailsGenerated": 0,
        "dailyLimit": 0,
        "errors": [],
        "executionTime": "0.0s",
    }


if get_handler(DAILY_JOB_TYPE) is None:
    register(DAILY_JOB_TYPE, _daily_stand_in)


@handler("test.outlive_lease", lease_seconds=2)
def outlive_lease(job):
    """Runs for longer than its lease: only renewal keeps it from being recovered."""
    time.sleep(job.payload.get("sleep", 5))
    record(job)
    return {"attempt": job.attempts}


@handler("test.discover")
def discover(job):
    """Discovery as a job, the way the daily pipeline will run it."""
    from prospects.discovery import prospects_discover
    from prospects.models import IdealCustomerProfile

    icp = IdealCustomerProfile.objects.get(pk=job.payload["icp_id"])
    return prospects_discover(icp=icp, limit=job.payload.get("limit", 10), job=job).as_dict()
