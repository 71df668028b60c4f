"""A reviewer approves a draft in a real browser (headless Chromium driven by Playwright)."""

import os
import shutil

import pytest
from django.contrib.auth.models import User

from outreach.models import OutreachEmail

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

if not os.path.exists(CHROMIUM):
    if os.environ.get("CI"):
        raise RuntimeError("CI must run the browser test: install Debian's chromium (.ci/run does)")
    pytestmark.append(pytest.mark.skip(reason="needs Debian's chromium (apt-get install chromium)"))


@pytest.fixture
def browser_page(monkeypatch, tmp_path):
    # Playwright's sync API keeps an event loop; the test's own ORM calls are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = browser.new_page()
        page.set_default_timeout(15000)
        yield page
        browser.close()


def test_a_reviewer_signs_in_edits_and_approves_a_draft_then_rejects_the_next(
    live_server, browser_page, sample_campaign, settings, reviewer
):
    from outreach.pipeline import pipeline_run

    pipeline_run(limit=2)
    user = User.objects.create_user("rita", "rita@example.com", "a-long-password", is_staff=True)
    user.groups.add(reviewer.groups.get())
    page = browser_page

    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "rita")
    page.fill("#id_password", "a-long-password")
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/outreach/outreachemail/")
    assert page.locator("#result_list tbody tr").count() == 2

    page.locator("#result_list tbody tr th a").first.click()
    page.fill("#id_subject", "Edited by Rita")
    page.screenshot(path=str(settings.VAR_DIR / "approval-change-view.png"), full_page=True)
    page.click("button[value=approve]")
    page.wait_for_selector(".messagelist .success")
    assert "Approved the email" in page.inner_text(".messagelist")

    # Sent on to the next draft: reject it with a reason.
    page.fill("#id_reason", "Not our segment")
    page.click("button[value=reject]")
    page.wait_for_selector(".messagelist .success")

    emails = {e.status: e for e in OutreachEmail.objects.all()}
    assert set(emails) == {"approved", "rejected"}
    assert emails["approved"].subject == "Edited by Rita" and emails["approved"].reviewed_by == user
    assert emails["rejected"].rejection_reason == "Not our segment"
