"""How long 50 prospects take from enqueue to 50 pending emails, against slow fakes.

Fake PDL (0.3 s a page) and fake OpenAI (1.0 s a completion) listen on loopback;
the real pipeline, the real OpenAI client and the real job runner do the rest.
Runs once with OUTREACH_LLM_CONCURRENCY=8 and once with 1, and prints both:

    .venv/bin/python bench/pipeline_speed.py

Target (issue 4): at most 1.25 × the critical path (PDL pages + ⌈50/8⌉ × 1.0 s)
and at least 6× faster than concurrency 1.
"""

import json
import math
import os
import re
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PDL_PAGE_SECONDS = 0.3
COMPLETION_SECONDS = 1.0
PROSPECTS = 50

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class FakePDL(BaseHTTPRequestHandler):
    served = 0
    lock = threading.Lock()

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        time.sleep(PDL_PAGE_SECONDS)
        with FakePDL.lock:
            start, FakePDL.served = FakePDL.served, FakePDL.served + body["size"]
        records = [
            {
                "id": f"bench-{n}",
                "full_name": f"person {n}",
                "first_name": "person",
                "last_name": str(n),
                "job_title": "vp of marketing",
                "job_title_role": "marketing",
                "job_title_levels": ["vp"],
                "job_company_name": f"company {n}",
                "job_company_industry": "computer software",
                "job_company_size": "51-200",
                "location_country": "united states",
                "work_email": f"person{n}@company{n}.example",
                "linkedin_url": f"linkedin.com/in/p{n}",
            }
            for n in range(start, start + body["size"])
        ]
        self._json({"status": 200, "data": records, "total": 100_000, "scroll_token": f"t{start}"})

    def _json(self, payload):
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class FakeOpenAI(FakePDL):
    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        time.sleep(COMPLETION_SECONDS)
        facts = json.loads(re.search(r"<prospect_data>\n(.*)\n</prospect_data>", body["messages"][-1]["content"],
                                     re.S).group(1))  # fmt: skip
        draft = {
            "subject": f"An idea for {facts['company_name']}",
            "body": f"Hi {facts['first_name']},\n\nA short note about your work as {facts['job_title']}.\n\nSam",
        }
        self._json({"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": json.dumps(draft)}}]})  # fmt: skip


def serve(handler):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main():
    pdl, llm = serve(FakePDL), serve(FakeOpenAI)
    db = Path(tempfile.mkdtemp()) / "bench.sqlite3"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_ENV_FILE="",
        DJANGO_DEBUG="true",
        DATABASE_URL=f"sqlite:///{db}",
        PDL_API_KEY="bench-key",
        PDL_BASE_URL=f"http://127.0.0.1:{pdl.server_port}/v5",
        OPENAI_API_KEY="bench-key",
        OPENAI_BASE_URL=f"http://127.0.0.1:{llm.server_port}/v1",
    )
    import logging

    import django

    django.setup()
    logging.disable(logging.INFO)
    from django.conf import settings
    from django.core.management import call_command

    from jobs import queue, runner
    from outreach.models import Campaign, OutreachEmail
    from prospects.models import IdealCustomerProfile, Prospect

    call_command("migrate", verbosity=0)
    icp = IdealCustomerProfile.objects.create(name="bench", industries=["computer software"])
    Campaign.objects.create(name="bench", icp=icp, sender_name="Sam", pitch="We make audits painless.",
                            daily_limit=PROSPECTS)  # fmt: skip

    def one_run(concurrency):
        OutreachEmail.objects.all().delete()
        Prospect.objects.all().delete()
        settings.OUTREACH_LLM_CONCURRENCY = concurrency
        started = time.perf_counter()
        job, _ = queue.job_enqueue(job_type="daily_prospect_queue", trigger="command", payload={}, dispatch=False)
        runner.job_execute(queue.job_claim(job_id=job.pk, worker="bench"))
        elapsed = time.perf_counter() - started
        job.refresh_from_db()
        queued = OutreachEmail.objects.filter(status="pending_approval").count()
        assert job.status == "completed" and queued == PROSPECTS, (job.status, job.errors, queued)
        return elapsed

    pages = math.ceil(PROSPECTS / 100)
    concurrency = 8
    critical = pages * PDL_PAGE_SECONDS + math.ceil(PROSPECTS / concurrency) * COMPLETION_SECONDS
    fast = one_run(concurrency)
    slow = one_run(1)
    print(f"{PROSPECTS} prospects, fake PDL {PDL_PAGE_SECONDS} s/page, fake OpenAI {COMPLETION_SECONDS} s/completion")
    print(f"concurrency {concurrency}: {fast:.2f} s  (critical path {critical:.2f} s; ratio {fast / critical:.3f}; "
          f"target <= 1.25)")  # fmt: skip
    print(f"concurrency 1: {slow:.2f} s  (speed-up {slow / fast:.1f}x; target >= 6x)")
    ok = fast <= 1.25 * critical and slow / fast >= 6
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
