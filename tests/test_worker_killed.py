"""A worker killed mid-job: its lease runs out, the job is recovered and completes."""

import pytest

from jobs import queue
from jobs.models import QueueJob

from .conftest import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_job_whose_worker_was_sigkilled_is_recovered_and_completes_on_attempt_two(workers, tmp_path):
    marker, runs = tmp_path / "started", tmp_path / "runs.log"
    cluster = workers.start("qcluster", name="doomed-qcluster")
    job, _ = queue.job_enqueue(
        job_type="test.stall_first", payload={"started_marker": str(marker), "record_to": str(runs)}
    )

    wait_for(marker.exists, timeout=60, what=f"the first attempt to start; log:\n{workers.log(cluster)}")
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("processing", 1)
    dead_worker = job.locked_by

    workers.kill(cluster)  # SIGKILL the whole cluster, mid-job
    cluster.wait(timeout=10)

    rescuer = workers.start("process_jobs", "--poll", "0.5", name="rescuer")

    def finished():
        job.refresh_from_db()
        return job.status in ("completed", "failed")

    wait_for(finished, timeout=60, what=f"the job to be recovered; log:\n{workers.log(rescuer)}")
    assert job.status == "completed", job.errors
    assert job.attempts == 2
    assert job.result == {"attempt": 2}
    assert dead_worker in job.errors[0] and "expired" in job.errors[0]
    events = [line.split()[1:3] for line in runs.read_text().splitlines()]
    assert events == [["1", "started"], ["2", "started"], ["2", "ran"]]
    assert QueueJob.objects.count() == 1


def test_a_live_worker_renews_its_lease_so_a_long_job_is_never_taken_from_it(workers, tmp_path):
    runs = tmp_path / "runs.log"
    job, _ = queue.job_enqueue(job_type="test.outlive_lease", payload={"sleep": 5, "record_to": str(runs)})
    first = workers.start("process_jobs", "--poll", "0.2", name="first")
    wait_for(
        lambda: QueueJob.objects.filter(pk=job.pk, status="processing").exists(), timeout=30, what="the job to start"
    )
    workers.start("process_jobs", "--poll", "0.2", name="second")  # recovers anything expired

    def finished():
        job.refresh_from_db()
        return job.is_finished

    wait_for(finished, timeout=60, what=f"the job to finish; log:\n{workers.log(first)}")
    assert (job.status, job.attempts, job.errors) == ("completed", 1, [])
    assert len(runs.read_text().splitlines()) == 1
