"""One-click unsubscribe: scanners that fetch links change nothing; a POST stops everything."""

import pytest
from django.test import Client

from outreach.models import OutreachEmail, Suppression
from outreach.unsubscribe import unsubscribe_token
from prospects.models import Prospect

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(approved_emails):
    email, *_ = approved_emails(1)
    approved_emails(1, status="pending_approval", start=5)
    token = unsubscribe_token(address=email.prospect.email, campaign_id=email.campaign_id)
    return f"/unsubscribe/{token}", email


def test_get_shows_a_confirmation_page_and_changes_nothing(link):
    url, email = link
    client = Client()
    response = client.get(url)
    assert response.status_code == 200
    assert email.prospect.email in response.content.decode() and b'method="post"' in response.content
    assert client.head(url).status_code == 200
    assert not Suppression.objects.exists()
    email.refresh_from_db()
    assert email.status == "approved"
    assert not response.cookies  # nothing to accept, nothing stored in the browser


def test_a_one_click_post_without_cookies_suppresses_and_cancels_unsent_email(link):
    url, email = link
    client = Client(enforce_csrf_checks=True)  # as a mail provider's one-click POST: no cookies, no token
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and b"You are unsubscribed" in response.content
    rule = Suppression.objects.get(email=email.prospect.email)
    assert (rule.reason, rule.source) == ("unsubscribed", f"one-click, campaign {email.campaign_id}")
    email.refresh_from_db()
    assert email.status == "cancelled"
    assert Prospect.objects.get(pk=email.prospect_id).status == "suppressed"
    assert OutreachEmail.objects.filter(status="pending_approval").count() == 1  # someone else's draft is untouched
    assert client.post(url).status_code == 200  # twice is fine
    assert Suppression.objects.count() == 1


def test_a_tampered_or_malformed_token_gets_a_400_page(link):
    url, email = link
    for bad in (url[:-3] + "abc", "/unsubscribe/not-a-token", url.replace("/unsubscribe/", "/unsubscribe/x")):
        for method in ("get", "post"):
            response = getattr(Client(), method)(bad)
            assert response.status_code == 400
            assert b"not valid" in response.content
    assert not Suppression.objects.exists()


def test_a_token_cannot_be_rewritten_for_another_address_or_made_without_the_key(link, settings):
    import base64
    import json

    from django.core import signing

    url, email = link
    payload, timestamp, signature = url.rsplit("/", 1)[1].split(":")
    other = base64.urlsafe_b64encode(json.dumps({"e": "victim@client9.example", "c": 1}).encode()).decode().rstrip("=")
    rewritten = f"/unsubscribe/{other}:{timestamp}:{signature}"  # someone else's address, the old signature
    wrong_salt = "/unsubscribe/" + signing.dumps({"e": "victim@client9.example", "c": 1}, compress=True)
    wrong_key = "/unsubscribe/" + signing.dumps(
        {"e": "victim@client9.example", "c": 1}, key="not-the-site-key", salt="outreach.unsubscribe"
    )
    for forged in (rewritten, wrong_salt, wrong_key):
        assert Client().post(forged).status_code == 400
    assert not Suppression.objects.exists()


def test_other_methods_are_refused(link):
    url, _ = link
    assert Client().put(url).status_code == 405
