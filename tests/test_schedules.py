from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import Schedule
from django_q.scheduler import scheduler

from jobs.models import QueueJob

pytestmark = pytest.mark.django_db

DAILY = "daily prospect queue"


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def setup_schedules():
    call_command("setup_schedules", stdout=open("/dev/null", "w"))


def test_setup_schedules_is_idempotent():
    for _ in range(3):
        setup_schedules()
    assert Schedule.objects.filter(name=DAILY).count() == 1
    assert set(Schedule.objects.values_list("name", flat=True)) == {
        DAILY,
        "dispatch due jobs",
        "recover expired jobs",
        "send approved emails",
    }
    assert Schedule.objects.count() == 4
    got = {s.name: (s.func, s.schedule_type, s.cron, s.minutes, s.repeats) for s in Schedule.objects.all()}
    assert got == {
        DAILY: ("jobs.tasks.enqueue_daily", Schedule.CRON, "0 8 * * *", None, -1),
        "dispatch due jobs": ("jobs.tasks.dispatch_due", Schedule.MINUTES, None, 1, -1),
        "recover expired jobs": ("jobs.tasks.recover_expired", Schedule.MINUTES, None, 3, -1),
        "send approved emails": ("outreach.tasks.send_due", Schedule.MINUTES, None, 1, -1),
    }


def test_setup_schedules_removes_duplicates_left_by_hand():
    setup_schedules()
    Schedule.objects.create(name=DAILY, func="jobs.tasks.enqueue_daily", schedule_type=Schedule.CRON, cron="0 9 * * *")
    setup_schedules()
    assert Schedule.objects.filter(name=DAILY).count() == 1


def test_a_changed_cron_is_applied_with_a_recomputed_next_run(settings):
    with time_machine.travel(utc(2026, 6, 1, 15, 0), tick=False):
        setup_schedules()
        settings.PROSPECT_QUEUE_CRON = "30 6 * * 1-5"
        setup_schedules()
    daily = Schedule.objects.get(name=DAILY)
    assert daily.cron == "30 6 * * 1-5"
    assert daily.next_run == utc(2026, 6, 2, 10, 30)  # 06:30 EDT, Tuesday


def test_the_daily_schedule_runs_at_8_toronto_time_across_the_spring_change(monkeypatch):
    assert Conf.TIME_ZONE == "America/Toronto"
    monkeypatch.setattr(Conf, "SYNC", True)  # the schedule's task runs inline
    # Saturday 7 March 2026, 10:00 EST; clocks go forward on Sunday 8 March.
    with time_machine.travel(utc(2026, 3, 7, 15, 0), tick=False):
        setup_schedules()
    daily = Schedule.objects.get(name=DAILY)
    assert daily.next_run == utc(2026, 3, 8, 12, 0)  # 08:00 EDT (UTC-4), not 13:00 UTC

    with time_machine.travel(utc(2026, 3, 8, 12, 0, 30), tick=False):
        scheduler(broker=None)
    daily.refresh_from_db()
    assert daily.next_run == utc(2026, 3, 9, 12, 0)
    job = QueueJob.objects.get()
    assert (job.job_type, job.trigger, job.dedupe_key) == (
        "daily_prospect_queue",
        "cron",
        "daily_prospect_queue:2026-03-08",
    )


def test_the_daily_schedule_runs_at_8_toronto_time_across_the_autumn_change(monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", True)
    # Saturday 31 October 2026, 09:00 EDT; clocks go back on Sunday 1 November.
    with time_machine.travel(utc(2026, 10, 31, 13, 0), tick=False):
        setup_schedules()
    daily = Schedule.objects.get(name=DAILY)
    assert daily.next_run == utc(2026, 11, 1, 13, 0)  # 08:00 EST (UTC-5)
    with time_machine.travel(utc(2026, 11, 1, 13, 0, 30), tick=False):
        scheduler(broker=None)
    daily.refresh_from_db()
    assert daily.next_run == utc(2026, 11, 2, 13, 0)


def test_a_second_scheduler_pass_in_the_same_slot_does_not_enqueue_again(monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", True)
    with time_machine.travel(utc(2026, 3, 7, 15, 0), tick=False):
        setup_schedules()
    with time_machine.travel(utc(2026, 3, 8, 12, 0, 30), tick=False):
        scheduler(broker=None)
        scheduler(broker=None)
    assert QueueJob.objects.filter(job_type="daily_prospect_queue").count() == 1


def test_the_recovery_and_dispatch_schedules_bring_a_dead_workers_job_back_and_run_it(monkeypatch, tmp_path):
    from jobs import queue

    monkeypatch.setattr(Conf, "SYNC", True)  # each schedule's task runs inline, as a cluster would run it
    setup_schedules()
    runs = tmp_path / "runs.log"
    job, _ = queue.job_enqueue(job_type="test.record", payload={"record_to": str(runs)})
    queue.job_claim(job_id=job.pk, worker="dead-worker")  # claimed, then its worker died
    start = timezone.now()
    for minutes in (10, 11):  # two scheduler passes a minute apart: recovery, then dispatch
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            scheduler(broker=None)
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("completed", 2)
    assert len(runs.read_text().splitlines()) == 1
