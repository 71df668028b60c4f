"""A real django-q2 cluster in a subprocess runs what the HTTP endpoint enqueues."""

import pytest

from jobs.models import QueueJob

from .conftest import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_running_qcluster_completes_a_job_enqueued_over_http_with_no_manual_trigger(client, cron_auth, workers):
    cluster = workers.start("qcluster", name="qcluster")

    enqueued = client.get("/api/cron/daily-prospect-queue", **cron_auth).json()
    job_id = enqueued["jobId"]

    def finished():
        status = client.get(f"/api/cron/daily-prospect-queue?jobId={job_id}", **cron_auth).json()["job"]
        return status if status["status"] in ("completed", "failed") else None

    status = wait_for(finished, timeout=60, what=f"job {job_id} to finish; worker log:\n{workers.log(cluster)}")
    assert status["status"] == "completed", status["errors"]
    assert status["attempts"] == 1
    assert status["id"] == job_id
    assert "prospectsDiscovered" in status["result"]
    assert job_id in workers.log(cluster)  # the worker's log names the job it ran

    def heartbeat():
        return client.get("/healthz").json()["worker"]["ok"]

    wait_for(heartbeat, timeout=30, what="the cluster heartbeat in /healthz")
    assert QueueJob.objects.count() == 1


def test_a_running_qcluster_sends_an_email_as_soon_as_it_is_approved(workers, smtp, approved_emails, reviewer):
    from outreach import approval
    from outreach.models import OutreachEmail

    workers.env.update(
        EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}",
        OUTREACH_POSTAL_ADDRESS="Example Co., 100 King St W, Toronto",
        OUTREACH_SEND_WINDOW="00:00-24:00",
        OUTREACH_SEND_DAYS="mon-sun",
        SITE_URL="https://outreach.example",
    )
    cluster = workers.start("qcluster", name="qcluster")
    (draft,) = approved_emails(1, status="pending_approval")
    approval.email_approve(email=draft, user=reviewer)  # no schedule set up: only approval wakes the worker

    wait_for(lambda: smtp.mailbox.messages, timeout=60, what=f"the email to arrive; log:\n{workers.log(cluster)}")
    draft.refresh_from_db()
    assert draft.status == "sent"
    assert OutreachEmail.objects.filter(status="sent").count() == 1
