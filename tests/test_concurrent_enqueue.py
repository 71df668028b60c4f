"""Concurrent cron triggers create one job, and every caller learns its id."""

import json
import threading
import urllib.request
from collections import Counter

import pytest

from jobs.models import QueueJob

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_20_concurrent_cron_requests_create_exactly_one_job(live_server, cron_auth):
    barrier = threading.Barrier(20)
    answers, failures = [], []

    def call():
        request = urllib.request.Request(
            f"{live_server.url}/api/cron/daily-prospect-queue",
            headers={"Authorization": cron_auth["HTTP_AUTHORIZATION"]},
        )
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                answers.append((response.status, json.load(response)))
        except Exception as exc:  # collected, asserted below
            failures.append(exc)

    threads = [threading.Thread(target=call) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not failures
    assert len(answers) == 20
    job = QueueJob.objects.get()
    assert {status for status, _ in answers} == {200}
    assert {body["jobId"] for _, body in answers} == {str(job.id)}
    messages = Counter(body["message"] for _, body in answers)
    assert messages == {"Job enqueued successfully": 1, "Job already enqueued for today": 19}
