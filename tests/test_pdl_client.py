"""The PDL client against PDL's documented answers (mocked with `responses`)."""

from datetime import UTC, datetime

import pytest
import requests
import responses
import time_machine

from prospects import pdl
from prospects.discovery import Discovery
from prospects.models import IdealCustomerProfile

from .pdl_fakes import API_KEY, add, error, not_found, page, person, sent_bodies

QUERY = {"query": {"bool": {"must": [{"terms": {"job_company_industry": ["computer software"]}}]}}}


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(sleeps):
    return pdl.PDLClient(api_key=API_KEY, sleep=sleeps.append)


@pytest.fixture
def rsps():
    with responses.RequestsMock() as mock:
        yield mock


def test_a_search_sends_the_nested_query_the_key_header_and_a_bounded_size(client, rsps):
    add(rsps, page([person(1)]))
    result = client.search_page(QUERY, size=500)
    request = rsps.calls[0].request
    assert request.headers["X-Api-Key"] == API_KEY
    assert API_KEY not in request.url
    body = sent_bodies(rsps)[0]
    assert body["query"] == {"query": {"bool": {"must": [{"terms": {"job_company_industry": ["computer software"]}}]}}}
    assert body["size"] == 100
    assert "scroll_token" not in body
    assert [r["id"] for r in result.records] == ["pdl-00001"]
    assert (result.credits_spent, result.credits_remaining) == (1, 1000)


def test_every_call_has_a_timeout(client, rsps, monkeypatch):
    seen = {}
    real_post = client.session.post

    def post(*args, **kwargs):
        seen.update(kwargs)
        return real_post(*args, **kwargs)

    monkeypatch.setattr(client.session, "post", post)
    add(rsps, page([]))
    client.search_page(QUERY, size=1)
    assert seen["timeout"] == (5, 30)


@pytest.mark.django_db
class TestPaging:
    @pytest.fixture
    def icp(self):
        return IdealCustomerProfile.objects.create(name="software", industries=["computer software"])

    def discover(self, icp, client, budget=1000):
        discovery = Discovery(icp=icp, credit_ceiling=budget, source=client)
        while discovery.next_page(want=budget - discovery.totals.returned):
            pass
        return discovery.totals

    def test_the_second_page_uses_the_returned_scroll_token(self, icp, client, rsps):
        add(
            rsps,
            page([person(i) for i in range(100)], total=150, scroll_token="tok-2"),
            page([person(i) for i in range(100, 150)], total=150, scroll_token="tok-3"),
        )
        totals = self.discover(icp, client)
        bodies = sent_bodies(rsps)
        assert [b.get("scroll_token") for b in bodies] == [None, "tok-2"]
        assert bodies[0]["query"] == bodies[1]["query"]
        assert totals.stored == 150

    def test_paging_stops_on_a_short_page(self, icp, client, rsps):
        add(rsps, page([person(i) for i in range(40)], total=500, scroll_token="more"))
        assert self.discover(icp, client).pages == 1
        assert len(rsps.calls) == 1

    def test_paging_stops_without_a_token(self, icp, client, rsps):
        add(rsps, page([person(i) for i in range(100)], total=500, scroll_token=None))
        assert self.discover(icp, client).pages == 1

    def test_paging_stops_when_total_is_reached(self, icp, client, rsps):
        add(rsps, page([person(i) for i in range(100)], total=100, scroll_token="more"))
        assert self.discover(icp, client).pages == 1

    def test_paging_stops_on_404(self, icp, client, rsps):
        add(rsps, page([person(i) for i in range(100)], total=300, scroll_token="t2"), not_found())
        totals = self.discover(icp, client)
        assert (totals.pages, totals.stored, totals.exhausted) == (2, 100, True)


def test_404_is_zero_prospects_not_an_error(client, rsps):
    add(rsps, not_found())
    result = client.search_page(QUERY, size=10)
    assert (result.records, result.total, result.scroll_token) == ([], 0, None)


def test_429_waits_until_the_reset_time_then_succeeds(client, rsps, sleeps):
    add(
        rsps,
        error(429, "rate_limit_error", "slow down", {"x-ratelimit-reset": "2026-09-25 14:08:12"}),
        page([person(1)]),
    )
    with time_machine.travel(datetime(2026, 9, 25, 14, 8, 0, tzinfo=UTC), tick=False):
        assert len(client.search_page(QUERY, size=1).records) == 1
    assert sleeps == [13.0]  # until the reset, plus a second's margin
    assert len(rsps.calls) == 2


def test_429_without_a_reset_header_backs_off(client, rsps, sleeps):
    add(rsps, error(429, ["rate_limit_error"], "slow down"), page([person(1)]))
    client.search_page(QUERY, size=1)
    assert len(sleeps) == 1 and 0 < sleeps[0] <= 2


def test_500_and_502_are_retried_with_growing_backoff(client, rsps, sleeps):
    add(rsps, error(500, "api_error", "oops"), {"body": "<html>bad gateway</html>", "status": 502}, page([person(1)]))
    assert len(client.search_page(QUERY, size=1).records) == 1
    assert len(rsps.calls) == 3
    # Jittered within the upper half of 2 s, then of 4 s: the second wait is the longer.
    assert len(sleeps) == 2 and 1 <= sleeps[0] <= 2 < sleeps[1] <= 4


@pytest.mark.parametrize(
    "status, error_type, exc_class, text",
    [
        (
            401,
            "authentication_error",
            pdl.PDLAuthError,
            "PDL rejected the API key (401: Invalid API key): check PDL_API_KEY.",
        ),
        (402, "payment_required", pdl.PDLPaymentRequired, "PDL account is out of credits (402"),
        (400, ["invalid_request_error"], pdl.PDLRequestError, "PDL rejected the query (400"),
        (405, "method_not_allowed", pdl.PDLRequestError, "PDL refused the request (405"),
    ],
)
def test_client_errors_are_typed_clear_and_not_retried(client, rsps, sleeps, status, error_type, exc_class, text):
    add(rsps, error(status, error_type, "Invalid API key" if status == 401 else "nope"))
    with pytest.raises(exc_class) as caught:
        client.search_page(QUERY, size=1)
    assert text in str(caught.value)
    assert caught.value.status == status
    assert len(rsps.calls) == 1 and sleeps == []


def test_a_non_json_200_is_a_clear_error_not_a_crash(client, rsps):
    add(rsps, {"body": "<html>captive portal</html>", "status": 200, "content_type": "text/html"})
    with pytest.raises(pdl.PDLResponseError, match=r"PDL answered 200 with a body that is not JSON \(text/html"):
        client.search_page(QUERY, size=1)


def test_a_timeout_is_retried_then_reported_clearly(client, rsps, sleeps):
    add(rsps, *[requests.ReadTimeout("read timed out")] * 4)
    with pytest.raises(pdl.PDLUnavailable) as caught:
        client.search_page(QUERY, size=1)
    assert str(caught.value) == "PDL did not answer within 30 s, 4 attempts: try again later."
    assert len(rsps.calls) == 4 and len(sleeps) == 3
    assert caught.value.retryable


def test_persistent_5xx_gives_up_after_bounded_attempts(client, rsps):
    add(rsps, *[error(503, "api_error", "down")] * 4)
    with pytest.raises(pdl.PDLUnavailable, match=r"PDL had a server error \(503: down\), 4 attempts"):
        client.search_page(QUERY, size=1)
    assert len(rsps.calls) == 4


def test_the_key_is_redacted_even_if_pdl_echoes_it(client, rsps):
    add(rsps, error(401, "authentication_error", f"key {API_KEY} is not valid"))
    with pytest.raises(pdl.PDLAuthError) as caught:
        client.search_page(QUERY, size=1)
    assert API_KEY not in str(caught.value)


@pytest.mark.parametrize(
    "header, seconds",
    [
        ("2026-09-25T14:08:30Z", 30),
        ("2026-09-25 14:08:10", 10),
        ("2026-09-25T14:07:00Z", 0),
        ("garbage", None),
        (None, None),
    ],
)
def test_the_reset_header_is_read_in_both_seen_formats(header, seconds):
    assert pdl.parse_reset(header, now=datetime(2026, 9, 25, 14, 8, 0, tzinfo=UTC)) == seconds


def test_an_empty_key_is_refused_up_front():
    with pytest.raises(pdl.PDLAuthError, match="PDL_API_KEY is empty"):
        pdl.PDLClient(api_key="")
