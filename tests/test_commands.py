import io
import uuid

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from jobs.models import QueueJob

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_enqueue_prospect_queue_prints_the_job_id_once_per_day():
    first, _ = run("enqueue_prospect_queue")
    second, note = run("enqueue_prospect_queue")
    job = QueueJob.objects.get()
    assert first.strip() == second.strip() == str(job.id)
    assert uuid.UUID(first.strip())
    assert "already enqueued" in note
    assert job.trigger == "command"


def test_enqueue_prospect_queue_force_adds_another_run():
    run("enqueue_prospect_queue")
    forced, _ = run("enqueue_prospect_queue", "--force")
    assert QueueJob.objects.count() == 2
    assert QueueJob.objects.filter(pk=forced.strip()).exists()


def test_process_jobs_once_runs_what_is_due_and_exits():
    run("enqueue_prospect_queue")
    out, _ = run("process_jobs", "--once")
    assert out.strip() == "Ran 1 job(s)."
    assert QueueJob.objects.get().status == "completed"
    out, _ = run("process_jobs", "--once")
    assert out.strip() == "Ran 0 job(s)."


def test_ensure_admin_creates_one_admin_and_prints_its_password_once():
    out, _ = run("ensure_admin")
    password = out.split("password: ")[1].split()[0]
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(password)
    again, _ = run("ensure_admin")
    assert "already exists" in again and password not in again
    assert User.objects.count() == 1
