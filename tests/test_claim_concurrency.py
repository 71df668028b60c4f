"""Several worker processes against one database never run one attempt twice."""

from collections import Counter

import pytest
from django_q.models import OrmQ

from jobs import queue
from jobs.models import QueueJob

from .conftest import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.mark.postgres
def test_200_jobs_claimed_by_4_worker_processes_each_run_exactly_once(workers, tmp_path):
    runs = tmp_path / "runs.log"
    ids = {
        str(queue.job_enqueue(job_type="test.record", payload={"record_to": str(runs), "sleep": 0.01})[0].pk)
        for _ in range(200)
    }

    procs = [workers.start("process_jobs", "--once", name=f"w{i}") for i in range(4)]
    for proc in procs:
        assert proc.wait(timeout=120) == 0, workers.log(proc)

    lines = [line.split() for line in runs.read_text().splitlines()]
    per_job = Counter(job_id for job_id, *_ in lines)
    assert set(per_job) == ids
    assert set(per_job.values()) == {1}, [j for j, n in per_job.items() if n > 1]
    assert len({pid for *_, pid in lines}) > 1, "the workers did not overlap; the test proves nothing"
    assert QueueJob.objects.filter(status="completed", attempts=1).count() == 200


@pytest.mark.postgres
def test_two_qclusters_given_every_job_three_times_run_each_once(workers, tmp_path):
    runs = tmp_path / "runs.log"
    ids = set()
    for _ in range(60):
        job, _ = queue.job_enqueue(job_type="test.record", payload={"record_to": str(runs), "sleep": 0.02})
        ids.add(str(job.pk))
        queue.job_dispatch(job.pk)  # duplicate deliveries, as a redelivery or a late dispatch would make
        queue.job_dispatch(job.pk)

    clusters = [workers.start("qcluster", name=f"cluster{i}") for i in range(2)]

    def all_done():
        return QueueJob.objects.filter(status="completed").count() == 60

    wait_for(all_done, timeout=120, what="60 jobs to complete; logs:\n" + workers.log(clusters[0])[-3000:])
    wait_for(lambda: OrmQ.objects.count() == 0, timeout=60, what="the duplicate tasks to drain")
    lines = [line.split() for line in runs.read_text().splitlines()]
    per_job = Counter(job_id for job_id, *_ in lines)
    assert set(per_job) == ids
    assert set(per_job.values()) == {1}
    assert len({pid for *_, pid in lines}) > 1, "one worker did everything; the test proves nothing"
    assert QueueJob.objects.filter(attempts=1).count() == 60
