from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from jobs import queue
from jobs.models import QueueJob

pytestmark = pytest.mark.django_db


def run_due_jobs():
    call_command("process_jobs", "--once", stdout=open("/dev/null", "w"))


def test_a_handler_failing_twice_with_a_retryable_error_then_succeeding_completes_on_attempt_three(tmp_path):
    log = tmp_path / "runs.log"
    job, _ = queue.job_enqueue(job_type="test.flaky", payload={"fail_times": 2, "record_to": str(log)})

    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(3):
            run_due_jobs()
            clock.shift(timedelta(seconds=queue.BACKOFF_MAX_SECONDS + 1))  # past any backoff

    job.refresh_from_db()
    assert job.status == "completed"
    assert job.attempts == 3
    assert job.errors == [
        "attempt 1: RetryableError: service unavailable on attempt 1",
        "attempt 2: RetryableError: service unavailable on attempt 2",
    ]
    assert job.result == {"attempt": 3}
    assert len(log.read_text().splitlines()) == 3


def test_a_retry_waits_for_its_backoff(tmp_path):
    job, _ = queue.job_enqueue(job_type="test.flaky", payload={"fail_times": 1})
    run_due_jobs()
    run_due_jobs()  # immediately again: the backoff has not ended
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("pending", 1)


def test_a_retryable_error_on_the_last_attempt_fails_the_job():
    job, _ = queue.job_enqueue(job_type="test.flaky", payload={"fail_times": 9}, max_attempts=2)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(3):
            run_due_jobs()
            clock.shift(timedelta(hours=2))
    job.refresh_from_db()
    assert (job.status, job.attempts, len(job.errors)) == ("failed", 2, 2)


def test_a_non_retryable_error_fails_at_once_with_the_error_text(tmp_path):
    log = tmp_path / "runs.log"
    job, _ = queue.job_enqueue(job_type="test.broken", payload={"record_to": str(log)}, max_attempts=5)
    run_due_jobs()
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.attempts == 1
    assert job.errors == ["attempt 1: ValueError: the payload names no campaign"]
    assert not QueueJob.objects.filter(status="pending").exists()
    assert len(log.read_text().splitlines()) == 1
