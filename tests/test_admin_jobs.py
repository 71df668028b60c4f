import pytest
from django.urls import reverse

from jobs import queue, runner
from jobs.models import QueueJob

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:jobs_queuejob_changelist")
ENQUEUE = reverse("admin:jobs_queuejob_enqueue_daily")


def failed_job():
    job, _ = queue.job_enqueue(job_type="test.broken")
    runner.job_execute(queue.job_claim(job_id=job.pk, worker="w"))
    job.refresh_from_db()
    return job


def test_the_changelist_lists_jobs_newest_first_with_filters(client, operator):
    older, _ = queue.job_enqueue(job_type="test.record", trigger="cron")
    newer, _ = queue.job_enqueue(job_type="test.record", trigger="manual")
    client.force_login(operator)
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert [job.pk for job in response.context["cl"].result_list] == [newer.pk, older.pk]
    filtered = client.get(CHANGELIST, {"trigger__exact": "cron"})
    assert [job.pk for job in filtered.context["cl"].result_list] == [older.pk]
    assert client.get(CHANGELIST, {"status__exact": "failed"}).context["cl"].result_count == 0


def test_a_job_is_read_only_and_shows_its_errors_escaped(client, operator):
    job = failed_job()
    QueueJob.objects.filter(pk=job.pk).update(errors=["<script>alert(1)</script>"])
    client.force_login(operator)
    page = client.get(reverse("admin:jobs_queuejob_change", args=[job.pk]))
    assert page.status_code == 200
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page.content
    assert b"<script>alert(1)" not in page.content
    assert b'name="_save"' not in page.content
    assert client.post(reverse("admin:jobs_queuejob_change", args=[job.pk]), {"status": "completed"}).status_code == 403
    assert client.get(reverse("admin:jobs_queuejob_add")).status_code == 403
    job.refresh_from_db()
    assert job.status == "failed"


def test_an_operator_can_retry_a_failed_job(client, operator):
    job = failed_job()
    client.force_login(operator)
    response = client.post(CHANGELIST, {"action": "retry_jobs", "_selected_action": [job.pk]}, follow=True)
    assert "Queued 1 job(s) again." in [str(m) for m in response.context["messages"]]
    job.refresh_from_db()
    assert job.status == "pending"


def test_a_viewer_has_no_retry_action_and_a_forged_post_changes_nothing(client, viewer):
    job = failed_job()
    client.force_login(viewer)
    page = client.get(CHANGELIST)
    assert b"retry_jobs" not in page.content
    client.post(CHANGELIST, {"action": "retry_jobs", "_selected_action": [job.pk]})
    job.refresh_from_db()
    assert job.status == "failed"


def test_an_operator_can_enqueue_the_daily_job_from_the_button(client, operator):
    client.force_login(operator)
    assert b"Enqueue the daily job now" in client.get(CHANGELIST).content
    response = client.post(ENQUEUE)
    job = QueueJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:jobs_queuejob_change", args=[job.pk])
    assert (job.job_type, job.trigger) == ("daily_prospect_queue", "manual")
    client.post(ENQUEUE)  # the same day: the same job
    assert QueueJob.objects.count() == 1
    client.post(ENQUEUE, {"force": "1"})
    assert QueueJob.objects.count() == 2


def test_a_viewer_sees_no_enqueue_button_and_cannot_post_to_it(client, viewer):
    client.force_login(viewer)
    assert b"Enqueue the daily job now" not in client.get(CHANGELIST).content
    assert client.post(ENQUEUE).status_code == 403
    assert client.get(ENQUEUE).status_code == 405
    assert not QueueJob.objects.exists()


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.post(ENQUEUE)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert not QueueJob.objects.exists()
