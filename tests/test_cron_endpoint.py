import uuid

import pytest
import time_machine
from django.utils import timezone

from jobs.models import QueueJob

pytestmark = pytest.mark.django_db

URL = "/api/cron/daily-prospect-queue"


def test_it_enqueues_todays_job_and_says_where_to_follow_it(client, cron_auth):
    response = client.get(URL, **cron_auth)
    assert response.status_code == 200
    body = response.json()
    job = QueueJob.objects.get()
    assert body["success"] is True
    assert body["message"] == "Job enqueued successfully"
    assert body["jobId"] == str(job.id)
    assert body["statusUrl"] == f"{URL}?jobId={job.id}"
    assert body["workerUrl"] == "/api/worker/daily-prospect-queue"
    assert body["meta"]["trigger"] == "manual"
    assert body["meta"]["timestamp"].endswith("Z")
    assert body["meta"]["note"]
    assert (job.job_type, job.status, job.trigger) == ("daily_prospect_queue", "pending", "manual")
    assert job.dedupe_key == f"daily_prospect_queue:{timezone.localdate().isoformat()}"


def test_a_scheduler_user_agent_marks_the_trigger_as_cron(client, cron_auth):
    response = client.get(URL, HTTP_USER_AGENT="vercel-cron/1.0", **cron_auth)
    assert response.json()["meta"]["trigger"] == "cron"
    assert QueueJob.objects.get().trigger == "cron"


def test_a_second_call_the_same_local_day_returns_the_same_job(client, cron_auth):
    first = client.get(URL, **cron_auth).json()
    second = client.get(URL, **cron_auth).json()
    assert second["jobId"] == first["jobId"]
    assert second["message"] == "Job already enqueued for today"
    assert QueueJob.objects.count() == 1


def test_force_enqueues_another_job(client, cron_auth):
    first = client.get(URL, **cron_auth).json()
    forced = client.get(URL + "?force=1", **cron_auth).json()
    assert forced["jobId"] != first["jobId"]
    assert forced["message"] == "Job enqueued successfully"
    assert QueueJob.objects.count() == 2


def test_the_local_day_decides_not_the_utc_day(client, cron_auth):
    # 23:30 in Toronto on 3 March is 04:30 UTC on 4 March: still the 3rd's job.
    with time_machine.travel("2026-03-04T04:30:00Z", tick=False):
        late = client.get(URL, **cron_auth).json()
    with time_machine.travel("2026-03-03T14:00:00Z", tick=False):
        same_day = client.get(URL, **cron_auth).json()
    assert late["jobId"] == same_day["jobId"]
    assert QueueJob.objects.get().dedupe_key == "daily_prospect_queue:2026-03-03"


@pytest.mark.parametrize(
    "header",
    [None, "Bearer wrong", "Basic s3cret-cron-token", "Bearer s3cret-cron-token-and-more", "s3cret-cron-token"],
)
def test_a_missing_or_wrong_secret_gets_401_and_enqueues_nothing(client, cron_auth, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get(URL, **extra)
    assert response.status_code == 401
    assert response.json()["success"] is False
    assert "Bearer" in response.json()["error"]
    assert not QueueJob.objects.exists()


def test_without_a_secret_the_endpoint_is_closed_outside_debug(client, settings):
    settings.CRON_SECRET = ""
    settings.DEBUG = False
    response = client.get(URL)
    assert response.status_code == 403
    assert "CRON_SECRET" in response.json()["error"]
    assert not QueueJob.objects.exists()


def test_without_a_secret_debug_mode_lets_requests_in(client, settings):
    settings.CRON_SECRET = ""
    settings.DEBUG = True
    assert client.get(URL).status_code == 200


def test_the_secret_never_appears_in_a_response(client, cron_auth):
    for response in (client.get(URL, **cron_auth), client.get(URL, HTTP_AUTHORIZATION="Bearer nope")):
        assert b"s3cret-cron-token" not in response.content


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_other_methods_get_405(client, cron_auth, method):
    response = getattr(client, method)(URL, **cron_auth)
    assert response.status_code == 405
    assert response.json()["success"] is False
    assert not QueueJob.objects.exists()


# --- status: the triad ------------------------------------------------------


def test_status_of_a_known_job(client, cron_auth):
    job_id = client.get(URL, **cron_auth).json()["jobId"]
    response = client.get(f"{URL}?jobId={job_id}", **cron_auth)
    assert response.status_code == 200
    job = response.json()["job"]
    assert response.json()["success"] is True
    expected = {"id", "status", "trigger", "attempts", "createdAt", "startedAt", "finishedAt", "result", "errors"}
    assert expected <= set(job)
    assert (job["id"], job["status"], job["attempts"], job["errors"]) == (job_id, "pending", 0, [])
    assert QueueJob.objects.count() == 1  # asking for status enqueues nothing


def test_status_of_a_malformed_id_is_400(client, cron_auth):
    response = client.get(f"{URL}?jobId=not-a-uuid", **cron_auth)
    assert response.status_code == 400
    assert "not a job id" in response.json()["error"]


def test_status_of_an_unknown_id_is_404(client, cron_auth):
    response = client.get(f"{URL}?jobId={uuid.uuid4()}", **cron_auth)
    assert response.status_code == 404
    assert response.json()["success"] is False


def test_status_needs_the_secret_too(client, cron_auth):
    job_id = client.get(URL, **cron_auth).json()["jobId"]
    assert client.get(f"{URL}?jobId={job_id}").status_code == 401


def test_head_enqueues_nothing(client, cron_auth):
    response = client.head(URL, **cron_auth)
    assert response.status_code == 405
    assert not QueueJob.objects.exists()
