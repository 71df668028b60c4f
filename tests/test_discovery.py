import json
import logging

import pytest
import responses

from jobs import queue, runner
from prospects.discovery import get_person_source, prospects_discover
from prospects.models import IdealCustomerProfile, Prospect
from prospects.sample import SampleFileError, SampleSource

from .pdl_fakes import API_KEY, add, error, page, person, sent_bodies

pytestmark = pytest.mark.django_db


@pytest.fixture
def icp():
    return IdealCustomerProfile.objects.create(
        name="software marketing",
        industries=["computer software"],
        job_title_levels=["vp", "director"],
        countries=["united states", "canada"],
    )


@pytest.fixture
def with_pdl(settings):
    settings.PDL_API_KEY = API_KEY
    with responses.RequestsMock() as rsps:
        yield rsps


def test_every_new_record_is_stored_as_received(icp, with_pdl):
    record = person(1, skills=["b2b"], job_title="<b>VP</b> of marketing")
    add(with_pdl, page([record], total=1))
    totals = prospects_discover(icp=icp, limit=10)
    stored = Prospect.objects.get()
    assert stored.raw == record
    assert (stored.pdl_id, stored.email, stored.status, stored.icp) == (
        "pdl-00001",
        "person1@company1.example",
        "new",
        icp,
    )
    assert stored.job_title == "<b>VP</b> of marketing"
    assert (totals.returned, totals.stored, totals.credits_spent, totals.credits_remaining) == (1, 1, 1, 1000)


@pytest.mark.parametrize(
    "fields, reason",
    [
        ({"work_email": True, "emails": True}, "PDL hides addresses on this plan (work_email is true"),
        ({"work_email": None}, "the record has no work address"),
        ({"work_email": ""}, "the record has no work address"),
        ({"work_email": "jane(at)acme.example"}, "work_email 'jane(at)acme.example' is not a valid address"),
    ],
)
def test_records_without_a_usable_address_are_kept_disqualified_with_the_reason(icp, with_pdl, fields, reason):
    add(with_pdl, page([person(1, **fields)], total=1))
    prospects_discover(icp=icp, limit=10)
    stored = Prospect.objects.get()
    assert stored.status == "disqualified"
    assert stored.email == ""
    assert stored.disqualified_reason.startswith("no usable email")
    assert reason in stored.disqualified_reason


def test_a_professional_address_in_emails_is_used_when_work_email_is_empty(icp, with_pdl):
    add(
        with_pdl,
        page(
            [
                person(
                    1,
                    work_email=None,
                    emails=[
                        {"address": "jane@gmail.example", "type": "personal"},
                        {"address": "Jane@Acme.example", "type": "current_professional"},
                    ],
                )
            ],
            total=1,
        ),
    )
    prospects_discover(icp=icp, limit=10)
    assert Prospect.objects.get().email == "jane@acme.example"


def test_running_twice_stores_no_duplicate_and_excludes_people_already_stored(icp, with_pdl):
    records = [person(i) for i in range(3)]
    add(with_pdl, page(records, total=3), page(records, total=3))
    prospects_discover(icp=icp, limit=10)
    second = prospects_discover(icp=icp, limit=10)
    assert Prospect.objects.count() == 3
    assert (second.stored, second.duplicates) == (0, 3)
    first_body, second_body = sent_bodies(with_pdl)
    assert "must_not" not in first_body["query"]["query"]["bool"]
    excluded = second_body["query"]["query"]["bool"]["must_not"][0]["terms"]["id"]
    assert sorted(excluded) == ["pdl-00000", "pdl-00001", "pdl-00002"]


def test_the_same_address_under_two_pdl_ids_is_stored_once(icp, with_pdl):
    add(with_pdl, page([person(1), person(2, work_email="person1@company1.example")], total=2))
    totals = prospects_discover(icp=icp, limit=10)
    assert Prospect.objects.count() == 1
    assert totals.duplicates == 1


def test_a_limit_of_50_never_buys_more_than_the_credit_ceiling_whatever_total_says(icp, with_pdl):
    add(with_pdl, page([person(i) for i in range(30)], total=100_000, scroll_token="more"))
    totals = prospects_discover(icp=icp, limit=50, credit_ceiling=30)
    assert [body["size"] for body in sent_bodies(with_pdl)] == [30]
    assert totals.stored == 30 and totals.credits_spent == 30


def test_a_limit_of_50_asks_for_50_not_a_full_page(icp, with_pdl):
    add(with_pdl, page([person(i) for i in range(50)], total=100_000, scroll_token="more"))
    prospects_discover(icp=icp, limit=50, credit_ceiling=150)
    assert [body["size"] for body in sent_bodies(with_pdl)] == [50]


def test_a_large_limit_is_fetched_in_pages_of_at_most_100_up_to_the_ceiling(icp, with_pdl):
    add(
        with_pdl,
        page([person(i) for i in range(100)], total=100_000, scroll_token="t1"),
        page([person(i) for i in range(100, 150)], total=100_000, scroll_token="t2"),
    )
    totals = prospects_discover(icp=icp, limit=1000, credit_ceiling=150)
    assert [body["size"] for body in sent_bodies(with_pdl)] == [100, 50]
    assert totals.stored == 150


def test_without_a_key_discovery_draws_the_same_kind_of_people_from_the_sample(icp, settings):
    settings.PDL_API_KEY = ""
    assert isinstance(get_person_source(), SampleSource)
    totals = prospects_discover(icp=icp, limit=40)  # no mock: any HTTP call would fail the test
    assert totals.source == "sample" and totals.stored > 20 and totals.credits_spent == 0
    for p in Prospect.objects.all():
        assert p.company_industry == "computer software"
        assert set(p.job_title_levels) & {"vp", "director"}
        assert p.location_country in ("united states", "canada")
        assert p.raw["id"] == p.pdl_id and p.source == "sample"
    assert prospects_discover(icp=icp, limit=40).duplicates == 0  # the exclusion list works here too


def test_the_sample_includes_free_plan_placeholders_and_people_without_email(settings):
    settings.PDL_API_KEY = ""
    icp = IdealCustomerProfile.objects.create(name="anyone")
    prospects_discover(icp=icp, limit=1000, credit_ceiling=1000)
    reasons = list(Prospect.objects.filter(status="disqualified").values_list("disqualified_reason", flat=True))
    assert Prospect.objects.count() >= 300
    assert any("PDL hides addresses" in r for r in reasons)
    assert any("is not a valid address" in r for r in reasons)
    # People with no work address at all are in the file but never bought: the query asks for one.
    without = [r["id"] for r in SampleSource().records if r["work_email"] is None]
    assert without and not Prospect.objects.filter(pdl_id__in=without).exists()
    assert not Prospect.objects.exclude(email="").exclude(email__endswith=".example").exists()


def test_a_sample_file_of_your_own_is_used(settings, tmp_path, icp):
    own = tmp_path / "mine.json"
    own.write_text(json.dumps({"data": [person(1), person(2, job_company_industry="retail")]}))
    settings.PDL_API_KEY, settings.PROSPECT_SAMPLE_FILE = "", str(own)
    prospects_discover(icp=icp, limit=10)
    assert list(Prospect.objects.values_list("pdl_id", flat=True)) == ["pdl-00001"]


def test_a_broken_sample_file_is_a_clear_error(settings, tmp_path, icp):
    settings.PDL_API_KEY, settings.PROSPECT_SAMPLE_FILE = "", str(tmp_path / "missing.json")
    with pytest.raises(SampleFileError, match="does not exist"):
        prospects_discover(icp=icp, limit=10)


def test_the_api_key_appears_in_no_log_line_and_no_job_result_after_a_401(icp, with_pdl, caplog):
    caplog.set_level(logging.DEBUG)
    add(with_pdl, error(401, "authentication_error", f"API key {API_KEY} is invalid"))
    job, _ = queue.job_enqueue(job_type="test.discover", payload={"icp_id": icp.pk})
    runner.job_execute(queue.job_claim(job_id=job.pk, worker="w"))
    job.refresh_from_db()
    assert job.status == "failed"
    assert "PDL rejected the API key (401" in job.errors[0]
    stored = json.dumps([job.errors, job.result, job.payload])
    assert API_KEY not in stored
    assert API_KEY not in caplog.text
    assert "check PDL_API_KEY" in caplog.text


def test_the_exclusion_list_is_this_profiles_people(icp, with_pdl):
    other = IdealCustomerProfile.objects.create(name="other", industries=["retail"])
    Prospect.objects.create(pdl_id="theirs", raw={}, icp=other)
    Prospect.objects.create(pdl_id="ours", raw={}, icp=icp)
    add(with_pdl, page([person(1)], total=1))
    prospects_discover(icp=icp, limit=10)
    excluded = sent_bodies(with_pdl)[0]["query"]["query"]["bool"]["must_not"][0]["terms"]["id"]
    assert excluded == ["ours"]


def test_a_page_of_only_known_people_stops_paging(icp, with_pdl):
    Prospect.objects.bulk_create(Prospect(pdl_id=f"pdl-{i:05d}", raw={}) for i in range(100))  # beyond the list
    add(with_pdl, page([person(i) for i in range(100)], total=5000, scroll_token="more"))
    totals = prospects_discover(icp=icp, limit=300, credit_ceiling=300)
    assert (totals.pages, totals.stored, totals.duplicates, totals.exhausted) == (1, 0, 100, True)
