"""An operator can follow one job through the worker's log by its id."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from jobs import queue, runner

pytestmark = pytest.mark.django_db


def lines_about(caplog, job):
    return [r.getMessage() for r in caplog.records if str(job.pk) in r.getMessage()]


def test_every_step_of_a_job_is_logged_with_its_id_and_type(caplog):
    caplog.set_level(logging.INFO, logger="jobs")
    job, _ = queue.job_enqueue(job_type="test.flaky", payload={"fail_times": 1})
    runner.job_execute(queue.job_claim(job_id=job.pk, worker="w1"))  # fails, retry scheduled
    later = timezone.now() + timedelta(hours=2)
    claimed = queue.job_claim(job_id=job.pk, worker="w2", now=later)
    queue.jobs_recover_expired(now=later + timedelta(hours=1))  # w2 "died"
    runner.job_execute(queue.job_claim(job_id=job.pk, worker="w3", now=later + timedelta(hours=1)))

    lines = lines_about(caplog, job)
    assert all("(test.flaky)" in line for line in lines)
    assert [
        next(word for word in ("enqueued", "claimed", "retry at", "recovered", "completed") if word in line)
        for line in lines
    ] == ["enqueued", "claimed", "retry at", "claimed", "recovered", "claimed", "completed"]
    assert claimed.locked_by == "w2"


def test_a_failure_is_logged_with_its_reason(caplog):
    job, _ = queue.job_enqueue(job_type="test.broken")
    runner.job_execute(queue.job_claim(job_id=job.pk, worker="w1"))
    assert any(
        "failed for good" in line and "the payload names no campaign" in line for line in lines_about(caplog, job)
    )


def test_the_cron_secret_never_reaches_the_log(client, cron_auth, caplog):
    caplog.set_level(logging.DEBUG)
    client.get("/api/cron/daily-prospect-queue", **cron_auth)
    client.get("/api/cron/daily-prospect-queue", HTTP_AUTHORIZATION="Bearer guess")
    client.post("/api/worker/daily-prospect-queue", **cron_auth)
    assert "s3cret-cron-token" not in caplog.text
