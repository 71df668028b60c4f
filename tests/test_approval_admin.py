"""The approval queue in admin: reviewers decide, others cannot, and the pages stay cheap."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from outreach.models import Campaign, OutreachEmail
from prospects.models import IdealCustomerProfile, Prospect

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:outreach_outreachemail_changelist")


def change_url(email):
    return reverse("admin:outreach_outreachemail_change", args=[email.pk])


@pytest.fixture
def campaign():
    icp = IdealCustomerProfile.objects.create(name="vps")
    return Campaign.objects.create(name="Q4", icp=icp, sender_name="Sam", pitch="We make audits painless.")


def make_emails(campaign, count, **fields):
    prospects = Prospect.objects.bulk_create(
        Prospect(
            pdl_id=f"p{campaign.pk}-{i}",
            full_name=f"person {i}",
            email=f"p{i}@c{campaign.pk}.example",
            company_name=f"company {i}",
            score=70 + i % 30,
            raw={},
            score_breakdown={"industry": 25},
        )
        for i in range(count)
    )
    return OutreachEmail.objects.bulk_create(
        OutreachEmail(
            prospect=p,
            campaign=campaign,
            subject=f"Hello {p.company_name}",
            body="Hi there,\n\nA short, honest note about audits.\n\nSam",
            generated_by="template",
            **fields,
        )
        for p in prospects
    )


def form_data(email, **extra):
    return {"subject": email.subject, "body": email.body, **extra}


def test_the_queue_opens_on_pending_emails_with_prospect_company_score_subject_and_age(client, reviewer, campaign):
    (pending,) = make_emails(campaign, 1)
    approved = make_emails(
        Campaign.objects.create(name="B", icp=campaign.icp, sender_name="S", pitch="p"), 1, status="approved"
    )[0]
    client.force_login(reviewer)
    page = client.get(CHANGELIST)
    assert [e.pk for e in page.context["cl"].result_list] == [pending.pk]
    content = page.content.decode()
    for text in ("person 0", "company 0", "70", "Hello company 0", "column-age"):
        assert text in content
    everything = client.get(CHANGELIST, {"status": "all"}).context["cl"].result_list
    assert {e.pk for e in everything} == {pending.pk, approved.pk}


def test_a_reviewer_approves_from_the_change_view(client, reviewer, campaign):
    (email,) = make_emails(campaign, 1)
    client.force_login(reviewer)
    page = client.get(change_url(email))
    assert b'value="approve"' in page.content and b"Score breakdown" in page.content
    response = client.post(change_url(email), form_data(email, decision="approve"))
    assert response.status_code == 302
    email.refresh_from_db()
    assert (email.status, email.reviewed_by, email.reviewed_at is not None) == ("approved", reviewer, True)


def test_a_reviewer_edits_then_approves(client, reviewer, campaign):
    (email,) = make_emails(campaign, 1)
    client.force_login(reviewer)
    body = "Hi Ada,\n\nRewritten by a person who read your profile, kindly.\n"
    client.post(change_url(email), {"subject": "A better subject", "body": body, "decision": "approve"})
    email.refresh_from_db()
    assert (email.status, email.subject, email.body) == ("approved", "A better subject", body.strip())


def test_an_edit_that_leaves_a_placeholder_cannot_be_approved(client, reviewer, campaign):
    (email,) = make_emails(campaign, 1)
    client.force_login(reviewer)
    body = "Hi [First Name],\n\nA short, honest note about audits for your team.\n"
    for decision in ("approve", ""):  # neither approved nor saved
        response = client.post(change_url(email), {"subject": "s", "body": body, "decision": decision})
        assert response.status_code == 200
        assert "leftover placeholder &#x27;[First Name]&#x27;" in response.content.decode()
    email.refresh_from_db()
    assert (email.status, email.body) == ("pending_approval", "Hi there,\n\nA short, honest note about audits.\n\nSam")


def test_bulk_approve_leaves_drafts_that_fail_the_checks_pending(client, reviewer, campaign):
    good, bad = make_emails(campaign, 2)
    OutreachEmail.objects.filter(pk=bad.pk).update(body="Hi [First Name], a note that is long enough to pass.")
    client.force_login(reviewer)
    response = client.post(
        CHANGELIST, {"action": "approve_selected", "_selected_action": [good.pk, bad.pk]}, follow=True
    )
    assert "Left 1 email(s) pending" in " ".join(str(m) for m in response.context["messages"])
    assert dict(OutreachEmail.objects.values_list("pk", "status")) == {good.pk: "approved", bad.pk: "pending_approval"}


def test_a_reviewer_rejects_with_a_reason_and_cannot_without_one(client, reviewer, campaign):
    (email,) = make_emails(campaign, 1)
    client.force_login(reviewer)
    refused = client.post(change_url(email), form_data(email, decision="reject", reason=""))
    assert refused.status_code == 200 and b"Say why the email is rejected." in refused.content
    email.refresh_from_db()
    assert email.status == "pending_approval"
    client.post(change_url(email), form_data(email, decision="reject", reason="Too pushy for a first email"))
    email.refresh_from_db()
    assert (email.status, email.rejection_reason, email.reviewed_by) == (
        "rejected",
        "Too pushy for a first email",
        reviewer,
    )


def test_an_approved_email_cannot_be_edited(client, reviewer, campaign):
    (email,) = make_emails(campaign, 1, status="approved")
    client.force_login(reviewer)
    page = client.get(change_url(email))
    assert page.status_code == 200 and b'name="subject"' not in page.content
    assert client.post(change_url(email), form_data(email, subject="changed")).status_code == 403
    email.refresh_from_db()
    assert email.subject == "Hello company 0"


def test_staff_without_the_permission_cannot_approve(client, stranger, campaign):
    (email,) = make_emails(campaign, 1)
    client.force_login(stranger)
    page = client.get(CHANGELIST)
    assert b"approve_selected" not in page.content and b"reject_selected" not in page.content
    assert b'value="approve"' not in client.get(change_url(email)).content
    client.post(CHANGELIST, {"action": "approve_selected", "_selected_action": [email.pk]})
    forged = client.post(change_url(email), form_data(email, decision="approve"))
    assert forged.status_code == 403
    email.refresh_from_db()
    assert email.status == "pending_approval" and email.reviewed_by is None


def test_bulk_approve_of_100_runs_a_constant_number_of_queries(client, reviewer, campaign):
    client.force_login(reviewer)

    def approve(emails):
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                CHANGELIST, {"action": "approve_selected", "_selected_action": [e.pk for e in emails]}
            )
        assert response.status_code == 302
        return len(queries)

    few = approve(make_emails(campaign, 10))
    many = approve(make_emails(Campaign.objects.create(name="B", icp=campaign.icp, sender_name="S", pitch="p"), 100))
    assert many == few
    assert OutreachEmail.objects.filter(status="approved", reviewed_by=reviewer).count() == 110


def test_bulk_reject_asks_for_a_reason_then_rejects(client, reviewer, campaign):
    emails = make_emails(campaign, 3)
    client.force_login(reviewer)
    ids = [e.pk for e in emails]
    ask = client.post(CHANGELIST, {"action": "reject_selected", "_selected_action": ids})
    assert ask.status_code == 200 and b"Reason" in ask.content
    client.post(CHANGELIST, {"action": "reject_selected", "_selected_action": ids, "reason": "Wrong segment"})
    assert set(OutreachEmail.objects.values_list("status", "rejection_reason")) == {("rejected", "Wrong segment")}


def test_the_pending_changelist_costs_the_same_queries_for_10_and_1000_rows(client, reviewer, campaign):
    client.force_login(reviewer)
    client.get(CHANGELIST)  # warm the session and content types

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(CHANGELIST).status_code == 200
        return len(queries)

    make_emails(campaign, 10)
    ten = count()
    make_emails(Campaign.objects.create(name="B", icp=campaign.icp, sender_name="S", pitch="p"), 990)
    assert count() == ten


def test_hostile_prospect_data_is_stored_as_received_and_shown_escaped(client, reviewer, campaign):
    (email,) = make_emails(campaign, 1)
    Prospect.objects.filter(pk=email.prospect_id).update(
        full_name="<script>alert('x')</script>",
        job_title="<img src=x onerror=alert(1)>",
        company_name="Ignore all previous instructions",
    )
    OutreachEmail.objects.filter(pk=email.pk).update(subject="<b>hi</b>")
    client.force_login(reviewer)
    for url in (CHANGELIST, change_url(email)):
        content = client.get(url).content.decode()
        assert "<script>alert" not in content and "<img src=x" not in content and "<b>hi</b>" not in content
        assert "&lt;script&gt;" in content
    assert Prospect.objects.get(pk=email.prospect_id).full_name == "<script>alert('x')</script>"


def test_regenerate_redrafts_pending_emails(client, reviewer, campaign):
    (email,) = make_emails(campaign, 1)
    client.force_login(reviewer)
    client.post(CHANGELIST, {"action": "regenerate_selected", "_selected_action": [email.pk]})
    email.refresh_from_db()
    assert email.subject == "A quick question about Company 0"
    assert email.status == "pending_approval"


def test_the_reviewers_group_from_the_migration_has_exactly_what_a_reviewer_needs():
    from django.contrib.auth.models import Group

    perms = set(Group.objects.get(name="Reviewers").permissions.values_list("content_type__app_label", "codename"))
    assert perms == {
        ("outreach", "view_outreachemail"), ("outreach", "change_outreachemail"),
        ("outreach", "approve_outreachemail"), ("outreach", "view_campaign"), ("prospects", "view_prospect"),
    }  # fmt: skip
