from datetime import timedelta

import pytest
from django.utils import timezone

from jobs import queue, runner
from jobs.models import QueueJob

pytestmark = pytest.mark.django_db

W = "test-worker"


def test_it_enqueues_a_pending_job_due_now():
    job, created = queue.job_enqueue(job_type="test.record", trigger="api", payload={"a": 1})
    assert created
    job.refresh_from_db()
    assert (job.status, job.attempts, job.payload) == ("pending", 0, {"a": 1})
    assert job.run_after <= timezone.now()


def test_it_returns_the_existing_job_for_the_same_dedupe_key():
    first, created_first = queue.job_enqueue(job_type="test.record", dedupe_key="k")
    second, created_second = queue.job_enqueue(job_type="test.record", dedupe_key="k")
    assert (created_first, created_second) == (True, False)
    assert first.pk == second.pk
    assert QueueJob.objects.count() == 1


def test_it_claims_the_oldest_due_job_first_and_skips_future_ones():
    now = timezone.now()
    later, _ = queue.job_enqueue(job_type="test.record", run_after=now + timedelta(hours=1))
    older, _ = queue.job_enqueue(job_type="test.record", run_after=now - timedelta(minutes=5))
    newer, _ = queue.job_enqueue(job_type="test.record", run_after=now - timedelta(minutes=1))

    assert queue.job_claim_next(worker=W).pk == older.pk
    assert queue.job_claim_next(worker=W).pk == newer.pk
    assert queue.job_claim_next(worker=W) is None
    later.refresh_from_db()
    assert later.status == "pending"


def test_a_claim_sets_the_lease_and_counts_the_attempt():
    job, _ = queue.job_enqueue(job_type="test.record")
    claimed = queue.job_claim(job_id=job.pk, worker=W)
    assert claimed.status == "processing"
    assert claimed.attempts == 1
    assert claimed.locked_by == W
    assert claimed.lease_expires_at > timezone.now()
    assert claimed.started_at is not None


def test_a_job_cannot_be_claimed_twice():
    job, _ = queue.job_enqueue(job_type="test.record")
    assert queue.job_claim(job_id=job.pk, worker="a") is not None
    assert queue.job_claim(job_id=job.pk, worker="b") is None
    assert queue.job_claim_next(worker="b") is None


def test_claim_next_filters_by_job_type():
    queue.job_enqueue(job_type="test.record")
    assert queue.job_claim_next(worker=W, job_type="daily_prospect_queue") is None
    assert queue.job_claim_next(worker=W, job_type="test.record") is not None


def test_it_completes_with_the_handlers_result():
    job, _ = queue.job_enqueue(job_type="test.record")
    runner.job_execute(queue.job_claim(job_id=job.pk, worker=W))
    job.refresh_from_db()
    assert job.status == "completed"
    assert job.result == {"ran": True, "attempt": 1}
    assert job.finished_at is not None
    assert job.lease_expires_at is None


def test_an_unknown_job_type_fails_with_a_clear_error_not_a_crash():
    job, _ = queue.job_enqueue(job_type="no_such_job")
    runner.job_execute(queue.job_claim(job_id=job.pk, worker=W))
    job.refresh_from_db()
    assert job.status == "failed"
    assert "No handler is registered for job type 'no_such_job'" in job.errors[0]


def test_a_retryable_failure_goes_back_to_pending_with_backoff():
    job, _ = queue.job_enqueue(job_type="test.flaky", payload={"fail_times": 5}, max_attempts=3)
    before = timezone.now()
    runner.job_execute(queue.job_claim(job_id=job.pk, worker=W))
    job.refresh_from_db()
    assert job.status == "pending"
    assert job.locked_by == ""
    assert job.run_after >= before + timedelta(seconds=queue.BACKOFF_BASE_SECONDS / 2)
    assert job.errors == ["attempt 1: RetryableError: service unavailable on attempt 1"]


def test_backoff_grows_exponentially_with_jitter_and_is_capped():
    for attempt, ceiling in [(1, 30), (2, 60), (3, 120), (20, queue.BACKOFF_MAX_SECONDS)]:
        delays = {queue.backoff_delay(attempt) for _ in range(20)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1  # jitter: workers retrying together spread out


def test_a_finished_job_is_not_overwritten_by_a_worker_that_lost_its_lease():
    job, _ = queue.job_enqueue(job_type="test.record")
    stale = queue.job_claim(job_id=job.pk, worker="stale")
    QueueJob.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert queue.jobs_recover_expired() == 1
    fresh = queue.job_claim(job_id=job.pk, worker="fresh")
    assert not queue.job_complete(job=stale, result={"from": "stale"})
    assert queue.job_complete(job=fresh, result={"from": "fresh"})
    job.refresh_from_db()
    assert (job.result, job.attempts) == ({"from": "fresh"}, 2)


def test_recovery_gives_an_expired_job_back_and_notes_why():
    job, _ = queue.job_enqueue(job_type="test.record")
    queue.job_claim(job_id=job.pk, worker="dead-worker")
    assert queue.jobs_recover_expired() == 0  # lease still valid
    assert queue.jobs_recover_expired(now=timezone.now() + timedelta(hours=1)) == 1
    job.refresh_from_db()
    assert job.status == "pending"
    assert "dead-worker" in job.errors[0] and "recovered" in job.errors[0]


def test_recovery_fails_a_job_that_used_all_its_attempts():
    job, _ = queue.job_enqueue(job_type="test.record", max_attempts=1)
    queue.job_claim(job_id=job.pk, worker="dead-worker")
    queue.jobs_recover_expired(now=timezone.now() + timedelta(hours=1))
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.finished_at is not None


def test_retry_puts_a_failed_job_back_with_a_fresh_budget():
    job, _ = queue.job_enqueue(job_type="test.broken", max_attempts=3)
    runner.job_execute(queue.job_claim(job_id=job.pk, worker=W))
    job.refresh_from_db()
    assert job.status == "failed"
    assert queue.job_retry(job=job)
    job.refresh_from_db()
    assert (job.status, job.finished_at, job.max_attempts) == ("pending", None, 4)
    assert not queue.job_retry(job=job)  # only failed jobs


def test_dispatch_due_hands_due_jobs_to_django_q_once_until_presumed_lost(monkeypatch):
    sent = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, job_id, **kw: sent.append(job_id))
    due, _ = queue.job_enqueue(job_type="test.record")
    queue.job_enqueue(job_type="test.record", run_after=timezone.now() + timedelta(hours=1))
    assert queue.jobs_dispatch_due() == 1
    assert sent == [str(due.pk)]
    assert queue.jobs_dispatch_due() == 0  # its task is still queued: no duplicate
    later = timezone.now() + queue.REDISPATCH_AFTER + timedelta(seconds=1)
    assert queue.jobs_dispatch_due(now=later) == 1  # the task was lost: send again


def test_a_retry_is_dispatched_as_soon_as_its_backoff_ends(monkeypatch):
    monkeypatch.setattr("django_q.tasks.async_task", lambda *a, **kw: None)
    job, _ = queue.job_enqueue(job_type="test.flaky", payload={"fail_times": 1})
    queue.job_dispatch(job.pk)
    runner.job_execute(queue.job_claim(job_id=job.pk, worker=W))
    job.refresh_from_db()
    assert queue.jobs_dispatch_due(now=job.run_after - timedelta(seconds=1)) == 0
    assert queue.jobs_dispatch_due(now=job.run_after + timedelta(seconds=1)) == 1


def test_a_result_the_database_cannot_store_fails_the_job_clearly(monkeypatch):
    from jobs import registry

    monkeypatch.setitem(
        registry._handlers, "test.bad_result", registry.Handler("test.bad_result", lambda job: {"when": timezone.now()})
    )
    job, _ = queue.job_enqueue(job_type="test.bad_result")
    runner.job_execute(queue.job_claim(job_id=job.pk, worker=W))
    job.refresh_from_db()
    assert job.status == "failed"
    assert "not JSON serializable" in job.errors[0]


def test_lease_renewal_survives_a_failed_renewal(monkeypatch):
    calls = []

    def renew(*, job, lease_seconds):
        calls.append(lease_seconds)
        if len(calls) == 1:
            raise RuntimeError("database is locked")
        return True

    monkeypatch.setattr(queue, "job_renew_lease", renew)
    job = QueueJob(job_type="x", locked_by=W)
    keeper = runner.LeaseKeeper(job, lease_seconds=1.5)  # renews every 0.5 s
    with keeper:
        import time

        time.sleep(1.8)
    assert len(calls) >= 3
    assert not keeper.lost
