"""Several worker processes against one database never run one attempt twice."""

from collections import Counter

import pytest

from jobs import queue
from jobs.models import QueueJob

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
