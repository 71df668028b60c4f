"""Approved emails go out once, through a real SMTP server, with everything the law asks for."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.checks import run_checks
from django.utils import timezone
from django_q.conf import Conf

from outreach import approval
from outreach.models import OutreachEmail, SendingControl, Suppression
from outreach.sending import Window, emails_send_due, sending_set_paused
from prospects.models import Prospect

pytestmark = pytest.mark.django_db

TORONTO = ZoneInfo("America/Toronto")


def local(*args):
    return datetime(*args, tzinfo=TORONTO)


def statuses():
    return dict(OutreachEmail.objects.values_list("prospect__email", "status"))


@pytest.mark.django_db(transaction=True)
def test_approving_3_emails_delivers_exactly_3_each_with_footer_headers_and_a_working_unsubscribe_link(
    smtp, approved_emails, reviewer, client, monkeypatch
):
    monkeypatch.setattr(Conf, "SYNC", True)  # the send task that approval enqueues runs inline
    drafts = approved_emails(3, status="pending_approval")
    for email in drafts:
        approval.email_approve(email=email, user=reviewer)

    assert len(smtp.mailbox.messages) == 3
    assert sorted(smtp.mailbox.recipients) == sorted(e.prospect.email for e in drafts)
    assert set(statuses().values()) == {"sent"}
    for (_, message), email in zip(
        sorted(smtp.mailbox.messages, key=lambda m: m[0]), sorted(drafts, key=lambda e: [e.prospect.email]), strict=True
    ):
        body = message.get_content()
        assert "Sam Sender" in body and "100 King St W, Toronto ON M5X 1A9, Canada" in body
        assert message["From"] == "Sam Sender <sam@sender.example>"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        https, mailto = [part.strip(" <>") for part in message["List-Unsubscribe"].split(",")]
        assert https.startswith("https://outreach.example/unsubscribe/") and mailto.startswith("mailto:sam@sender.")
        assert message["Message-ID"].endswith("@sender.example>")
        sent = OutreachEmail.objects.get(pk=email.pk)
        assert sent.message_id == message["Message-ID"] and sent.sent_at is not None
        link = re.search(r"https://outreach\.example(/unsubscribe/\S+)", body).group(1)
        assert https.endswith(link)
        assert client.get(link).status_code == 200
        assert client.post(link, {"List-Unsubscribe": "One-Click"}).status_code == 200
        assert Suppression.objects.filter(email=sent.prospect.email, reason="unsubscribed").exists()
    assert set(Prospect.objects.values_list("status", flat=True)) == {"suppressed"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
@pytest.mark.postgres
def test_two_worker_processes_racing_over_50_approved_emails_deliver_50_not_100(smtp, approved_emails, workers):
    approved_emails(50)
    workers.env.update(
        EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}",
        OUTREACH_POSTAL_ADDRESS="Example Co., 100 King St W, Toronto",
        OUTREACH_SEND_WINDOW="00:00-24:00",
        OUTREACH_SEND_DAYS="mon-sun",
        SITE_URL="https://outreach.example",
        OUTREACH_DAILY_SEND_LIMIT="1000",
    )
    procs = [workers.start("send_emails", name=f"sender{i}") for i in range(2)]
    for proc in procs:
        assert proc.wait(timeout=120) == 0, workers.log(proc)
    assert len(smtp.mailbox.messages) == 50
    assert len(set(smtp.mailbox.recipients)) == 50
    assert OutreachEmail.objects.filter(status="sent").count() == 50
    assert all("sent:" in workers.log(p) for p in procs), "both workers must have sent some: a real race"


def test_an_smtp_server_that_is_down_loses_nothing_and_each_email_goes_once_when_it_is_back(smtp, approved_emails):
    approved_emails(3)
    smtp.stop()
    now = timezone.now()
    # The first try finds the server down; the rest of the batch waits instead of timing out one by one.
    assert emails_send_due(now=now) == {"retry": 1, "not_tried": 2}
    emails = OutreachEmail.objects.order_by("send_attempts")
    assert [e.status for e in emails] == ["approved"] * 3
    assert [e.send_attempts for e in emails] == [0, 0, 1]
    assert all("could not reach the mail server (ConnectionRefusedError" in e.last_error for e in emails)
    assert emails.last().send_after > now
    smtp.start()
    assert emails_send_due(now=now) == {"sent": 2}  # the untried two; the first waits out its backoff
    later = now + timedelta(minutes=2)
    assert emails_send_due(now=later) == {"sent": 1}
    assert emails_send_due(now=later + timedelta(hours=1)) == {}
    assert sorted(smtp.mailbox.recipients) == sorted(set(smtp.mailbox.recipients))
    assert len(smtp.mailbox.messages) == 3


def test_a_persistent_outage_fails_an_email_after_bounded_attempts(smtp, approved_emails, settings):
    approved_emails(1)
    smtp.stop()
    moment = local(2026, 12, 1, 10, 0)
    for _ in range(settings.OUTREACH_SEND_MAX_ATTEMPTS):
        emails_send_due(now=moment)
        moment += timedelta(hours=7)  # past the longest wait between tries
    email = OutreachEmail.objects.get()
    assert (email.status, email.send_attempts) == ("failed", settings.OUTREACH_SEND_MAX_ATTEMPTS)
    assert email.last_error.startswith(f"Gave up after {settings.OUTREACH_SEND_MAX_ATTEMPTS} attempts")


def test_a_550_on_rcpt_fails_the_email_and_suppresses_the_address_as_bounced(smtp, approved_emails):
    good, bad = approved_emails(2)
    smtp.mailbox.refuse[bad.prospect.email] = "550 5.1.1 No such user"
    assert emails_send_due() == {"bounced": 1, "sent": 1}
    bad.refresh_from_db()
    assert bad.status == "failed" and "550 5.1.1 No such user" in bad.last_error
    assert Suppression.objects.get(email=bad.prospect.email).reason == "bounced"
    assert Prospect.objects.get(pk=bad.prospect_id).status == "suppressed"
    assert smtp.mailbox.recipients == [good.prospect.email]


def test_a_cap_of_10_with_15_approved_sends_10_today_and_5_tomorrow(smtp, approved_emails, settings):
    settings.OUTREACH_DAILY_SEND_LIMIT = 10
    settings.OUTREACH_SEND_WINDOW, settings.OUTREACH_SEND_DAYS = "09:00-17:00", "mon-fri"
    approved_emails(15)
    tuesday = local(2026, 12, 1, 10, 0)
    assert emails_send_due(now=tuesday) == {"sent": 10, "capped": 5}
    assert emails_send_due(now=tuesday + timedelta(hours=3)) == {}  # deferred to tomorrow's window
    deferred = OutreachEmail.objects.filter(status="approved")
    assert {timezone.localtime(e.send_after) for e in deferred} == {local(2026, 12, 2, 9, 0)}
    assert "Daily cap of 10 for sam@sender.example reached" in deferred.first().last_error
    assert emails_send_due(now=local(2026, 12, 2, 9, 1)) == {"sent": 5}
    assert len(smtp.mailbox.messages) == 15


def test_outside_the_window_nothing_is_sent_until_it_opens(smtp, approved_emails, settings):
    settings.OUTREACH_SEND_WINDOW, settings.OUTREACH_SEND_DAYS = "09:00-17:00", "mon-fri"
    approved_emails(2)
    friday_evening, saturday, monday = local(2026, 12, 4, 18, 0), local(2026, 12, 5, 11, 0), local(2026, 12, 7, 9, 0)
    assert emails_send_due(now=friday_evening) == {"outside_window": "2026-12-07T09:00:00-05:00"}
    assert emails_send_due(now=saturday) == {"outside_window": "2026-12-07T09:00:00-05:00"}
    assert not smtp.mailbox.messages
    assert emails_send_due(now=monday) == {"sent": 2}


def test_pause_sends_nothing_and_resume_sends_what_is_due_once(smtp, approved_emails, reviewer, settings):
    approved_emails(3)
    sending_set_paused(paused=True, user=reviewer)
    assert "paused in admin" in emails_send_due()["blocked"]
    assert not smtp.mailbox.messages and set(statuses().values()) == {"approved"}
    sending_set_paused(paused=False, user=reviewer)
    assert emails_send_due() == {"sent": 3}
    assert emails_send_due() == {}
    assert len(smtp.mailbox.messages) == 3
    settings.OUTREACH_SENDING_PAUSED = True  # the environment override wins over the switch
    approved_emails(1, start=10)
    assert "OUTREACH_SENDING_PAUSED" in emails_send_due()["blocked"]
    assert SendingControl.current().paused is False


def test_a_suppressed_address_is_never_sent_to_even_if_approved_earlier(smtp, approved_emails):
    email, other = approved_emails(2)
    Suppression.objects.create(email=email.prospect.email, reason="manual", source="test, after approval")
    domain_rule = Suppression.objects.create(domain=other.prospect.email.split("@")[1], reason="manual")
    assert emails_send_due() == {"suppressed": 2}
    assert not smtp.mailbox.messages
    email.refresh_from_db()
    assert email.status == "cancelled" and "is suppressed" in email.last_error
    assert str(domain_rule) == f"*@{other.prospect.email.split('@')[1]}"


def test_without_a_postal_address_the_check_reports_it_and_no_mail_leaves(smtp, approved_emails, settings):
    settings.OUTREACH_POSTAL_ADDRESS = ""
    approved_emails(2)
    assert "outreach.W001" in {message.id for message in run_checks()}
    settings.OUTREACH_POSTAL_ADDRESS = "Example Co., Toronto"
    assert "outreach.W001" not in {message.id for message in run_checks()}
    settings.OUTREACH_POSTAL_ADDRESS = ""
    assert "OUTREACH_POSTAL_ADDRESS is not set" in emails_send_due()["blocked"]
    assert not smtp.mailbox.messages and set(statuses().values()) == {"approved"}


def test_an_email_left_in_sending_by_a_dead_worker_is_marked_for_review_not_resent(smtp, approved_emails, settings):
    (email,) = approved_emails(1)
    long_ago = timezone.now() - timedelta(seconds=settings.OUTREACH_SENDING_LEASE_SECONDS + 1)
    OutreachEmail.objects.filter(pk=email.pk).update(status="sending", sending_started_at=long_ago, send_attempts=1)
    emails_send_due()
    email.refresh_from_db()
    assert email.status == "failed" and "it may have been delivered" in email.last_error
    assert not smtp.mailbox.messages


def test_the_window_setting_is_validated():
    assert Window.parse("08:30-18:00", "mon,wed,fri-sat").days == {0, 2, 4, 5}
    assert Window.parse("00:00-24:00", "mon-sun").is_open(local(2026, 12, 1, 23, 59, 59))
    for hours, days in (("9-5", "mon-fri"), ("17:00-09:00", "mon-fri"), ("09:00-17:00", "monday")):
        with pytest.raises(ValueError):
            Window.parse(hours, days)


def test_reply_to_is_set_when_the_campaign_has_one(smtp, approved_emails):
    approved_emails(1)
    approved_emails.campaign.reply_to = "replies@sender.example"
    approved_emails.campaign.save()
    emails_send_due()
    ((_, message),) = smtp.mailbox.messages
    assert message["Reply-To"] == "replies@sender.example"


def test_the_pipeline_never_drafts_for_a_suppressed_address(sample_campaign):
    from outreach.pipeline import pipeline_run

    pipeline_run(limit=5)
    first = OutreachEmail.objects.first().prospect
    OutreachEmail.objects.all().delete()  # as if those drafts had never been made
    Suppression.objects.create(domain=first.email.split("@")[1], reason="manual")
    pipeline_run(limit=5)
    assert not OutreachEmail.objects.filter(prospect__email__endswith="@" + first.email.split("@")[1]).exists()
    assert Prospect.objects.get(pk=first.pk).status == "suppressed"


def test_a_connection_lost_after_the_message_was_handed_over_is_never_resent(smtp, approved_emails, settings):
    (email,) = approved_emails(1)
    settings.EMAIL_TIMEOUT = 0.5
    smtp.mailbox.data_delay = 1.5  # the server has the message, but answers too late
    assert emails_send_due() == {"uncertain": 1}
    email.refresh_from_db()
    assert email.status == "failed" and "it may have been delivered" in email.last_error
    assert emails_send_due(now=timezone.now() + timedelta(days=1)) == {}
    assert len(smtp.mailbox.messages) == 1  # delivered once, and only once


@pytest.mark.parametrize(
    "reply, outcome, suppressed",
    [
        ("550 5.1.1 <x>: Recipient address rejected: User unknown", "bounced", True),
        ("550 5.7.1 Relaying denied", "failed", False),
        ("554 5.7.1 Service unavailable; client host blocked", "failed", False),
        ("450 4.2.1 Mailbox busy, try later", "retry", False),
    ],
)
def test_recipient_refusals_are_told_apart(smtp, approved_emails, reply, outcome, suppressed):
    (email,) = approved_emails(1)
    smtp.mailbox.refuse[email.prospect.email] = reply
    assert emails_send_due() == {outcome: 1}
    assert Suppression.objects.filter(email=email.prospect.email).exists() is suppressed
    email.refresh_from_db()
    assert email.status == ("approved" if outcome == "retry" else "failed")
    assert reply.split()[0] in email.last_error


def test_a_refused_send_gives_its_place_under_the_cap_back(smtp, approved_emails, settings):
    settings.OUTREACH_DAILY_SEND_LIMIT = 2
    first, bounced, third = approved_emails(3)
    smtp.mailbox.refuse[bounced.prospect.email] = "550 5.1.1 User unknown"
    emails_send_due()
    assert sorted(smtp.mailbox.recipients) == sorted([first.prospect.email, third.prospect.email])


def test_a_message_that_cannot_be_built_fails_clearly_instead_of_sticking_in_sending(smtp, approved_emails):
    (email,) = approved_emails(1)
    OutreachEmail.objects.filter(pk=email.pk).update(subject="Hello\rBcc: everyone@example.com")
    assert emails_send_due() == {"failed": 1}
    email.refresh_from_db()
    assert email.status == "failed" and "could not be built" in email.last_error
    assert not smtp.mailbox.messages


def test_a_campaign_without_a_real_sender_waits_an_hour_and_says_why(smtp, approved_emails, settings):
    (email,) = approved_emails(1)
    approved_emails.campaign.sender_email = ""
    approved_emails.campaign.save()
    settings.DEFAULT_FROM_EMAIL = "outreach@localhost"
    now = timezone.now()
    assert emails_send_due(now=now) == {"misconfigured": 1}
    email.refresh_from_db()
    assert email.status == "approved" and email.send_attempts == 0
    assert "has no real domain" in email.last_error and email.send_after == now + timedelta(hours=1)


def test_outside_debug_an_unsubscribe_link_must_be_public_https(smtp, approved_emails, settings):
    approved_emails(1)
    settings.SITE_URL = "http://127.0.0.1:8000"
    assert "unsubscribe links must be public https URLs" in emails_send_due()["blocked"]
    assert not smtp.mailbox.messages


def test_the_window_follows_local_time_across_a_daylight_saving_change():
    window = Window.parse("09:00-17:00", "mon-fri")
    # Clocks went forward on Sunday 8 March 2026: Monday's 09:00 is 13:00 UTC, not 14:00.
    opens = window.next_open(local(2026, 3, 6, 18, 0))
    assert opens == local(2026, 3, 9, 9, 0) and opens.utcoffset() == timedelta(hours=-4)
    assert window.next_day_open(local(2026, 10, 30, 12, 0)) == local(2026, 11, 2, 9, 0)  # and back in November
    assert window.is_open(local(2026, 3, 9, 9, 30)) and not window.is_open(local(2026, 3, 8, 10, 0))
