"""A re-run tops up to the day's limit, and a crashed run resumes without buying or drafting twice."""

from collections import Counter

import pytest
import responses
import time_machine

from jobs import queue, runner
from outreach import pipeline
from outreach.generation import TemplateGenerator
from outreach.models import Campaign, OutreachEmail
from prospects.models import IdealCustomerProfile, Prospect

from .pdl_fakes import API_KEY, add, error, page, person, sent_bodies

pytestmark = pytest.mark.django_db


def run_daily_job(**payload):
    job, _ = queue.job_enqueue(job_type="daily_prospect_queue", trigger="api", payload=payload)
    runner.job_execute(queue.job_claim(job_id=job.pk, worker="w"))
    job.refresh_from_db()
    return job


def test_a_second_run_the_same_day_queues_nothing_new(sample_campaign):
    first = run_daily_job()
    second = run_daily_job()
    assert first.result["prospectsQueued"] == 50
    assert (second.status, second.result["prospectsQueued"], second.result["prospectsDiscovered"]) == (
        "completed",
        0,
        0,
    )
    assert second.result["campaigns"][0]["alreadyQueuedToday"] == 50
    assert OutreachEmail.objects.count() == 50


def test_a_campaign_with_30_queued_today_gets_20_more(sample_campaign):
    assert run_daily_job(limit=30).result["prospectsQueued"] == 30
    job = run_daily_job()
    assert job.result["prospectsQueued"] == 20
    assert OutreachEmail.objects.filter(campaign=sample_campaign).count() == 50


def test_the_limit_is_per_local_day(sample_campaign):
    sample_campaign.daily_limit = 10
    sample_campaign.save()
    with time_machine.travel("2026-03-03T14:00:00Z", tick=False):
        run_daily_job()
    with time_machine.travel("2026-03-04T04:30:00Z", tick=False):  # 23:30 on the 3rd in Toronto
        assert run_daily_job().result["prospectsQueued"] == 0
    with time_machine.travel("2026-03-04T14:00:00Z", tick=False):
        assert run_daily_job().result["prospectsQueued"] == 10
    assert OutreachEmail.objects.count() == 20


def test_a_person_emailed_by_one_campaign_is_not_queued_by_another(sample_campaign):
    run_daily_job()
    other = Campaign.objects.create(name="Other", icp=sample_campaign.icp, sender_name="Sam", pitch="Something else.")
    run_daily_job(campaign="Other")
    mine = set(OutreachEmail.objects.filter(campaign=sample_campaign).values_list("prospect_id", flat=True))
    theirs = set(OutreachEmail.objects.filter(campaign=other).values_list("prospect_id", flat=True))
    assert mine and theirs and not (mine & theirs)


class CrashAfter(TemplateGenerator):
    """Drafts normally, then fails with a bug-like error (not a GenerationError)."""

    def __init__(self, after: int):
        self.after, self.calls = after, 0

    def generate(self, prospect, campaign):
        self.calls += 1
        if self.calls > self.after:
            raise RuntimeError("worker lost its mind")
        return super().generate(prospect, campaign)


def test_a_crash_mid_generation_then_a_rerun_gives_50_emails_none_twice_and_no_record_bought_twice(
    settings, monkeypatch
):
    settings.PDL_API_KEY, settings.OPENAI_API_KEY = API_KEY, ""
    icp = IdealCustomerProfile.objects.create(name="vps", industries=["computer software"])
    Campaign.objects.create(name="Q4", icp=icp, sender_name="Sam", pitch="We make audits painless for you.")
    monkeypatch.setattr(pipeline, "get_generator", lambda: CrashAfter(20))

    with responses.RequestsMock(assert_all_requests_are_fired=False) as pdl:
        add(
            pdl,
            page([person(i) for i in range(50)], total=5000, scroll_token="t2"),
            page([person(i) for i in range(50, 100)], total=5000, scroll_token="t3"),
        )
        crashed = run_daily_job()
        saved = OutreachEmail.objects.count()
        assert crashed.status == "failed" and "worker lost its mind" in crashed.errors[0]
        assert 20 <= saved < 50  # every draft made before the crash was kept

        monkeypatch.setattr(pipeline, "get_generator", TemplateGenerator)
        assert queue.job_retry(job=crashed)
        runner.job_execute(queue.job_claim(job_id=crashed.pk, worker="w2"))
        crashed.refresh_from_db()
        bodies = sent_bodies(pdl)

    assert crashed.status == "completed", crashed.errors
    assert OutreachEmail.objects.count() == 50
    assert max(Counter(OutreachEmail.objects.values_list("prospect_id", flat=True)).values()) == 1
    assert len(bodies) == 1  # the re-run drafted the people already bought
    assert crashed.result["prospectsDiscovered"] == 0
    assert crashed.result["prospectsQueued"] == 50 - saved


def test_stored_qualified_people_are_drafted_before_any_credit_is_spent(settings):
    settings.PDL_API_KEY = API_KEY
    icp = IdealCustomerProfile.objects.create(name="vps", industries=["computer software"])
    Campaign.objects.create(
        name="Q4", icp=icp, sender_name="Sam", pitch="We make audits painless for you.", daily_limit=10
    )
    with responses.RequestsMock() as pdl:
        add(pdl, page([person(i) for i in range(8)], total=100, scroll_token="t2"))
        pipeline.pipeline_run(limit=4, source=None)  # PDL answered 8 for a page of 4: 4 are left over
    assert OutreachEmail.objects.count() == 4
    with responses.RequestsMock() as pdl:
        add(pdl, page([person(i) for i in range(8, 10)], total=100, scroll_token="t3"))
        result = pipeline.pipeline_run()
        assert [b["size"] for b in sent_bodies(pdl)] == [2]  # 10 - 4 queued - 4 stored
    assert result["prospectsQueued"] == 6 and OutreachEmail.objects.count() == 10


def test_a_pdl_outage_mid_run_keeps_the_drafts_made_and_retries_the_job(settings):
    settings.PDL_API_KEY = API_KEY
    icp = IdealCustomerProfile.objects.create(name="vps", industries=["computer software"])
    Campaign.objects.create(
        name="Q4", icp=icp, sender_name="Sam", pitch="We make audits painless for you.", min_score=80
    )
    with responses.RequestsMock() as pdl:
        # 50 people, of whom 5 are below the minimum, so a second page is needed: PDL is down for it.
        weak = {"job_company_industry": "retail"}  # 75 points
        records = [person(i, **(weak if i < 5 else {})) for i in range(50)]
        add(pdl, page(records, total=5000, scroll_token="t2"), *[error(503, "api_error", "down")] * 4)
        job = run_daily_job()
    assert job.status == "pending" and "PDL had a server error (503" in job.errors[0]  # retried later
    assert OutreachEmail.objects.count() == 45  # every draft made before the outage is saved
    assert job.result["prospectsQueued"] == 45 and job.result["creditsSpent"] == 50


def test_a_page_of_hidden_addresses_stops_discovery_with_one_clear_error(settings):
    settings.PDL_API_KEY = API_KEY
    icp = IdealCustomerProfile.objects.create(name="vps", industries=["computer software"])
    Campaign.objects.create(name="Q4", icp=icp, sender_name="Sam", pitch="We make audits painless for you.")
    with responses.RequestsMock() as pdl:
        add(pdl, page([person(i, work_email=True, emails=True) for i in range(50)], total=5000, scroll_token="t"))
        result = pipeline.pipeline_run()
        assert len(pdl.calls) == 1  # not 150 credits on people nobody can email
    assert result["prospectsQueued"] == 0 and result["creditsSpent"] == 50
    assert "every record on the page hides its email address" in result["errors"][0]


def test_qualification_is_per_campaign(settings):
    settings.PDL_API_KEY = ""
    icp = IdealCustomerProfile.objects.create(
        name="software", industries=["computer software"], job_title_levels=["cxo"]
    )
    Campaign.objects.create(name="Strict", icp=icp, sender_name="S", pitch="p" * 10, min_score=100)
    pipeline.pipeline_run(campaign_name="Strict")
    below = Prospect.objects.filter(status="disqualified", disqualified_reason__startswith="score ", score__gte=60)
    assert below.exists()
    Campaign.objects.create(name="Lenient", icp=icp, sender_name="S", pitch="p" * 10, min_score=60)
    with responses.RequestsMock():  # no PDL key: the sample source; no HTTP either way
        pipeline.pipeline_run(campaign_name="Lenient")
    lenient = OutreachEmail.objects.filter(campaign__name="Lenient").values_list("prospect_id", flat=True)
    assert set(below.values_list("pk", flat=True)) & set(lenient)


def test_the_credit_ceiling_holds_across_the_attempts_of_a_retried_job(settings):
    settings.PDL_API_KEY, settings.PDL_CREDITS_PER_RUN = API_KEY, 60
    icp = IdealCustomerProfile.objects.create(name="vps", industries=["computer software"])
    Campaign.objects.create(
        name="Q4", icp=icp, sender_name="Sam", pitch="We make audits painless for you.", min_score=80
    )
    weak = {"job_company_industry": "retail"}  # below the minimum: more pages are wanted
    with responses.RequestsMock() as pdl:
        add(
            pdl,
            page([person(i, **weak) for i in range(50)], total=5000, scroll_token="t2"),
            *[error(503, "api_error", "down")] * 4,
        )
        job = run_daily_job()  # 50 credits spent, then PDL is down: retried later
    assert job.status == "pending" and job.result["creditsSpentInJob"] == 50
    with responses.RequestsMock() as pdl:
        add(pdl, page([person(i) for i in range(50, 60)], total=5000, scroll_token="t3"))
        runner.job_execute(queue.job_claim(job_id=job.pk, worker="w2", now=job.run_after))
        assert [b["size"] for b in sent_bodies(pdl)] == [10]  # only what is left of the 60
    job.refresh_from_db()
    assert job.status == "completed" and job.result["creditsSpentInJob"] == 60
