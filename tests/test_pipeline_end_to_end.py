"""Enqueue over HTTP → the job runs → 50 drafts wait for approval."""

import pytest
import responses

from outreach.models import Campaign, OutreachEmail
from prospects.models import IdealCustomerProfile, Prospect

from .pdl_fakes import API_KEY, add, page, person, sent_bodies

pytestmark = pytest.mark.django_db

SEED_KEYS = {"prospectsDiscovered", "prospectsScored", "prospectsQueued", "emailsGenerated", "dailyLimit", "errors",
             "executionTime"}  # fmt: skip


def test_http_enqueue_then_the_worker_queues_50_drafts_from_pdl_and_openai(client, cron_auth, settings, fake_openai):
    settings.PDL_API_KEY = API_KEY
    icp = IdealCustomerProfile.objects.create(
        name="software vps", industries=["computer software"], job_title_levels=["vp"]
    )
    campaign = Campaign.objects.create(name="Q4", icp=icp, sender_name="Sam", pitch="We make audits painless.")

    with responses.RequestsMock() as pdl:
        add(pdl, page([person(i) for i in range(50)], total=5000, scroll_token="t2"))
        job_id = client.get("/api/cron/daily-prospect-queue", **cron_auth).json()["jobId"]
        ran = client.post("/api/worker/daily-prospect-queue", **cron_auth).json()
        assert [b["size"] for b in sent_bodies(pdl)] == [50]

    assert ran["success"] is True and ran["jobId"] == job_id
    emails = OutreachEmail.objects.filter(campaign=campaign)
    assert emails.count() == 50
    assert set(emails.values_list("status", flat=True)) == {"pending_approval"}
    assert set(emails.values_list("generated_by", flat=True)) == {"gpt-4o-mini"}
    assert emails.filter(job_id=job_id).count() == 50
    assert len(fake_openai.requests) == 50

    status = client.get(f"/api/cron/daily-prospect-queue?jobId={job_id}", **cron_auth).json()["job"]
    assert status["status"] == "completed"
    result = status["result"]
    assert SEED_KEYS <= set(result)
    assert (
        result["prospectsDiscovered"],
        result["prospectsScored"],
        result["emailsGenerated"],
        result["prospectsQueued"],
        result["dailyLimit"],
        result["errors"],
    ) == (50, 50, 50, 50, 50, [])
    assert result["creditsSpent"] == 50
    assert result["campaigns"][0]["campaign"] == "Q4"


def test_the_quickstart_defaults_queue_50_drafts_with_no_external_service(client, cron_auth, sample_campaign):
    # No PDL key, no OpenAI key, no mocks: any HTTP call would fail the test.
    job_id = client.get("/api/cron/daily-prospect-queue", **cron_auth).json()["jobId"]
    assert client.post("/api/worker/daily-prospect-queue", **cron_auth).json()["success"] is True
    assert OutreachEmail.objects.filter(status="pending_approval", job_id=job_id).count() == 50
    assert Prospect.objects.filter(source="sample").count() >= 50
    body = OutreachEmail.objects.first().body
    assert "{{" not in body and sample_campaign.pitch in body
