import pytest

from jobs import queue
from jobs.models import QueueJob

pytestmark = pytest.mark.django_db

URL = "/api/worker/daily-prospect-queue"
SEED_KEYS = {
    "prospectsDiscovered",
    "prospectsScored",
    "prospectsQueued",
    "emailsGenerated",
    "dailyLimit",
    "errors",
    "executionTime",
}


def test_get_on_the_worker_url_is_405(client, cron_auth):
    response = client.get(URL, **cron_auth)
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response.json()["success"] is False


def test_it_needs_the_secret(client, cron_auth):
    queue.job_enqueue(job_type="daily_prospect_queue")
    assert client.post(URL).status_code == 401
    assert client.post(URL, HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert QueueJob.objects.get().status == "pending"


def test_with_nothing_pending_it_says_so(client, cron_auth):
    response = client.post(URL, **cron_auth)
    assert response.status_code == 200
    assert response.json()["success"] is True
    assert response.json()["message"] == "No pending jobs"


def test_it_runs_the_oldest_due_daily_job_in_the_request(client, cron_auth):
    enqueued = client.get("/api/cron/daily-prospect-queue", **cron_auth).json()["jobId"]
    newer = client.get("/api/cron/daily-prospect-queue?force=1", **cron_auth).json()["jobId"]
    other, _ = queue.job_enqueue(job_type="test.record")  # not the daily job: left alone

    response = client.post(URL, **cron_auth)

    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert body["message"] == "Daily prospect queue job completed"
    assert body["jobId"] == enqueued  # the job that was enqueued, not some other one
    assert SEED_KEYS <= set(body["data"])
    assert isinstance(body["meta"]["executionTimeMs"], int)
    assert QueueJob.objects.get(pk=enqueued).status == "completed"
    assert QueueJob.objects.get(pk=newer).status == "pending"  # the next call's
    assert client.post(URL, **cron_auth).json()["jobId"] == newer
    other.refresh_from_db()
    assert other.status == "pending"


def test_a_failed_job_reports_success_false_with_its_errors(client, cron_auth, monkeypatch):
    from jobs import registry

    def explode(job):
        raise ValueError("campaign 'Acme' has no ICP")

    monkeypatch.setitem(registry._handlers, "daily_prospect_queue", registry.Handler("daily_prospect_queue", explode))
    job, _ = queue.job_enqueue(job_type="daily_prospect_queue")

    response = client.post(URL, **cron_auth)

    assert response.status_code == 500
    body = response.json()
    assert body["success"] is False
    assert body["jobId"] == str(job.id)
    assert body["errors"] == ["attempt 1: ValueError: campaign 'Acme' has no ICP"]
    assert "campaign 'Acme' has no ICP" in body["error"]
