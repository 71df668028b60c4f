import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jobs import queue, runner
from jobs.daily import DAILY_JOB_TYPE
from jobs.models import QueueJob
from outreach.pipeline import PipelineError, pipeline_plan


class Progress:
    """A one-line progress bar on stderr (redrawn on a terminal, printed at the end otherwise)."""

    def __init__(self, stream):
        self.stream = stream
        self.tty = stream.isatty()
        self.last = ""

    def __call__(self, run):
        done, target = run.queued, max(run.target, 1)
        filled = int(20 * min(done / target, 1))
        self.last = (
            f"{run.campaign}: [{'#' * filled}{'.' * (20 - filled)}] {done}/{run.target} queued | "
            f"discovered {run.discovered} | scored {run.scored} | generated {run.generated}"
        )
        if self.tty:
            self.stream.write("\r" + self.last.ljust(100), ending="")
            self.stream.flush()

    def finish(self):
        if self.last:
            self.stream.write("\r" + self.last.ljust(100) if self.tty else self.last)


class Command(BaseCommand):
    help = "Run the daily pipeline now in this process: discover, score, draft and queue emails for approval."

    def add_arguments(self, parser):
        parser.add_argument("--campaign", help="Only this campaign (by name); by default every active one.")
        parser.add_argument("--limit", type=int, help="Queue at most this many emails per campaign this run.")
        parser.add_argument("--dry-run", action="store_true", help="Show the PDL query and the plan; change nothing.")
        parser.add_argument("--json", action="store_true", help="Print the result object, and nothing else.")

    def handle(self, *args, **options):
        if options["limit"] is not None and options["limit"] < 0:
            raise CommandError("--limit must be 0 or more.")
        try:
            if options["dry_run"]:
                return self._dry_run(options)
            return self._run(options)
        except PipelineError as exc:
            raise CommandError(str(exc)) from None

    def _dry_run(self, options):
        plan = pipeline_plan(campaign_name=options["campaign"], limit=options["limit"])
        if options["json"]:
            self.stdout.write(json.dumps(plan, indent=2))
            return
        self.stdout.write(
            f"Dry run: nothing is bought, drafted or saved. Source: {plan['source']}; "
            f"generator: {plan['generator']}; credit ceiling: {plan['creditCeiling']}."
        )
        for item in plan["campaigns"]:
            self.stdout.write(
                f"\n{item['campaign']}: {item['alreadyQueuedToday']}/{item['dailyLimit']} queued today; would queue "
                f"{item['target']} ({item['fromStoredProspects']} from stored prospects, up to "
                f"{item['toDiscover']} to discover). PDL query:\n{json.dumps(item['pdlQuery'], indent=2)}"
            )
        if not plan["campaigns"]:
            self.stdout.write("No active campaign.")

    def _run(self, options):
        payload = {k: options[k] for k in ("campaign", "limit") if options[k] is not None}
        job, _ = queue.job_enqueue(
            job_type=DAILY_JOB_TYPE, trigger="command", payload=payload, max_attempts=1, dispatch=False
        )
        claimed = queue.job_claim(job_id=job.pk, worker=queue.worker_identity() + ":command")
        if claimed is None:
            raise CommandError(
                f"Job {job.pk} was taken by a worker before this command could run it; follow it in admin."
            )
        progress = Progress(self.stderr)
        runner.job_execute(claimed, progress=progress)
        progress.finish()
        job.refresh_from_db()
        result = job.result or {}
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2))
        else:
            self._summary(job, result)
        if job.status != QueueJob.Status.COMPLETED:
            raise CommandError(f"The run failed: {job.errors[-1] if job.errors else 'unknown error'}")

    def _summary(self, job, result):
        write = self.stdout.write
        write(
            f"Job {job.pk}: {job.status} in {result.get('executionTime', '?')} "
            f"(source: {result.get('source')}, generator: {result.get('generator')})."
        )
        for run in result.get("campaigns", []):
            write(
                f"  {run['campaign']}: {run['prospectsQueued']} queued now, "
                f"{run['alreadyQueuedToday'] + run['prospectsQueued']}/{run['dailyLimit']} today; "
                f"{run['prospectsDiscovered']} discovered, {run['prospectsScored']} scored, "
                f"{run['creditsSpent']} credit(s)."
            )
        for error in result.get("errors", []):
            write(f"  error: {error}")
        if result.get("prospectsQueued"):
            write(f"Review the drafts at {settings.SITE_URL}/admin/outreach/outreachemail/")
