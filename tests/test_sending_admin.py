import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from outreach.models import OutreachEmail, SendingControl, Suppression

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:outreach_outreachemail_changelist")
SWITCH = reverse("admin:outreach_sending_switch")


def test_the_queue_shows_whether_sending_is_on_and_how_many_went_today(client, superuser, settings):
    settings.OUTREACH_POSTAL_ADDRESS, settings.SITE_URL = "", "https://outreach.example"
    client.force_login(superuser)
    page = client.get(CHANGELIST).content.decode()
    assert "Sending is stopped:" in page and "OUTREACH_POSTAL_ADDRESS is not set" in page
    assert "Sent today: 0 (cap 50 per sender address)" in page


def test_a_user_with_the_permission_pauses_and_resumes_sending(client, reviewer, smtp):
    reviewer.user_permissions.add(Permission.objects.get(codename="pause_sending"))
    client.force_login(reviewer)
    assert b"Pause all sending" in client.get(CHANGELIST).content
    client.post(SWITCH, {"paused": "1"})
    assert SendingControl.current().paused
    assert b"Resume sending" in client.get(CHANGELIST).content
    client.post(SWITCH, {"paused": "0"})
    assert not SendingControl.current().paused


def test_without_the_permission_there_is_no_switch_and_a_forged_post_is_refused(client, reviewer):
    client.force_login(reviewer)
    assert b"Pause all sending" not in client.get(CHANGELIST).content
    assert client.post(SWITCH, {"paused": "1"}).status_code == 403
    assert client.get(SWITCH).status_code == 405
    assert not SendingControl.current().paused


def test_retry_sending_puts_failed_emails_back_with_a_fresh_budget(client, reviewer, approved_emails):
    failed, sent = approved_emails(2)
    OutreachEmail.objects.filter(pk=failed.pk).update(status="failed", send_attempts=5, last_error="gave up")
    OutreachEmail.objects.filter(pk=sent.pk).update(status="sent")
    client.force_login(reviewer)
    # From the "Failed" or "All" view of the queue, as a person would.
    client.post(CHANGELIST + "?status=all", {"action": "retry_sending", "_selected_action": [failed.pk, sent.pk]})
    failed.refresh_from_db(), sent.refresh_from_db()
    assert (failed.status, failed.send_attempts, sent.status) == ("approved", 0, "sent")


def test_a_csv_import_suppresses_addresses_and_domains_and_reports_bad_rows(client, superuser, approved_emails):
    (email,) = approved_emails(1)
    client.force_login(superuser)
    csv = f"email\n{email.prospect.email.upper()}\ncompetitor.example\nnot an address\n".encode()
    response = client.post(
        reverse("admin:outreach_suppression_import"),
        {"file": SimpleUploadedFile("list.csv", csv, content_type="text/csv"), "reason": "manual"},
        follow=True,
    )
    messages = [str(m) for m in response.context["messages"]]
    assert "Imported 2 suppression(s)." in messages
    assert any("row 4: 'not an address' is neither an address nor a domain" in m for m in messages)
    assert set(Suppression.objects.values_list("email", "domain")) == {
        (email.prospect.email, ""),
        ("", "competitor.example"),
    }
    email.refresh_from_db()
    assert email.status == "cancelled"


def test_a_suppression_added_in_admin_cancels_unsent_email(client, superuser, approved_emails):
    (email,) = approved_emails(1)
    client.force_login(superuser)
    client.post(
        reverse("admin:outreach_suppression_add"),
        {"email": email.prospect.email, "domain": "", "reason": "complaint", "source": ""},
    )
    assert Suppression.objects.get().reason == "complaint"
    email.refresh_from_db()
    assert email.status == "cancelled"


def test_approving_a_suppressed_persons_draft_is_refused(client, reviewer, approved_emails):
    (draft,) = approved_emails(1, status="pending_approval")
    Suppression.objects.create(email=draft.prospect.email, reason="unsubscribed")
    client.force_login(reviewer)
    url = reverse("admin:outreach_outreachemail_change", args=[draft.pk])
    response = client.post(url, {"subject": draft.subject, "body": draft.body, "decision": "approve"}, follow=True)
    assert "is suppressed (unsubscribed)" in " ".join(str(m) for m in response.context["messages"])
    draft.refresh_from_db()
    assert draft.status == "pending_approval"
