"""The HTTP endpoints of the service this replaces (SPEC section 4), kept compatible."""

import hmac
import logging
import time
import uuid

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from . import daily, queue, runner
from .models import QueueJob

logger = logging.getLogger("jobs")

CRON_PATH = "/api/cron/daily-prospect-queue"
WORKER_PATH = "/api/worker/daily-prospect-queue"


def _error(status: int, message: str, **extra) -> JsonResponse:
    return JsonResponse({"success": False, "error": message, **extra}, status=status)


def _utc_now_iso() -> str:
    return timezone.now().isoformat().replace("+00:00", "Z")


def _refusal(request, allowed_methods: tuple[str, ...]) -> JsonResponse | None:
    """The method, then the CRON_SECRET rule; None when the request may go on."""
    if request.method not in allowed_methods:
        response = _error(405, f"Method {request.method} not allowed; use {' or '.join(allowed_methods)}.")
        response["Allow"] = ", ".join(allowed_methods)
        return response
    secret = settings.CRON_SECRET
    if not secret:
        if settings.DEBUG:
            return None
        return _error(
            403,
            "CRON_SECRET is not set, so this endpoint is closed. Set CRON_SECRET and send "
            "'Authorization: Bearer <CRON_SECRET>'.",
        )
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), secret.encode()):
        return _error(401, "Unauthorized: send 'Authorization: Bearer <CRON_SECRET>'.")
    return None


def _trigger_of(request) -> str:
    """Schedulers (Vercel's, GitHub's, crontab's curl) say so in their User-Agent."""
    return "cron" if "cron" in request.headers.get("User-Agent", "").lower() else "manual"


@csrf_exempt
def cron_daily_prospect_queue(request):
    # GET only: HEAD (link checkers, uptime monitors) must not enqueue anything.
    refusal = _refusal(request, ("GET",))
    if refusal:
        return refusal
    if "jobId" in request.GET:
        return _job_status(request.GET["jobId"])

    force = request.GET.get("force", "").lower() in ("1", "true", "yes")
    trigger = _trigger_of(request)
    job, created = daily.daily_job_enqueue(trigger=trigger, force=force)
    return JsonResponse(
        {
            "success": True,
            "message": "Job enqueued successfully" if created else "Job already enqueued for today",
            "jobId": str(job.id),
            "status": job.status,
            "statusUrl": f"{CRON_PATH}?jobId={job.id}",
            "workerUrl": WORKER_PATH,
            "meta": {
                "trigger": trigger,
                "timestamp": _utc_now_iso(),
                "note": (
                    "A running worker (python manage.py qcluster) picks the job up within "
                    f"seconds; without one, POST to {WORKER_PATH} to run it now."
                ),
            },
        }
    )


def _job_status(raw_id: str) -> JsonResponse:
    try:
        job_id = uuid.UUID(raw_id)
    except ValueError:
        return _error(400, f"'{raw_id[:64]}' is not a job id; a job id is a UUID such as the jobId you were given.")
    job = QueueJob.objects.filter(pk=job_id).first()
    if job is None:
        return _error(404, f"No job with id {job_id}.")
    return JsonResponse({"success": True, "job": job.as_status_dict()})


@csrf_exempt
def worker_daily_prospect_queue(request):
    refusal = _refusal(request, ("POST",))
    if refusal:
        return refusal
    started = time.monotonic()
    try:
        jobs_done = runner.jobs_run_due(
            worker=queue.worker_identity() + ":http", job_type=daily.DAILY_JOB_TYPE, limit=1
        )
    except DatabaseError as exc:
        logger.exception("worker endpoint: the database failed while running a job")
        return _error(503, f"The database failed while running the job ({type(exc).__name__}); try again.")
    meta = {"timestamp": _utc_now_iso()}
    if not jobs_done:
        return JsonResponse({"success": True, "message": "No pending jobs", "meta": meta})
    job = jobs_done[0]
    meta["executionTimeMs"] = round((time.monotonic() - started) * 1000)
    body = {"jobId": str(job.id), "status": job.status, "attempts": job.attempts, "meta": meta}
    if job.status == QueueJob.Status.COMPLETED:
        return JsonResponse(
            {"success": True, "message": "Daily prospect queue job completed", "data": job.result, **body}
        )
    if job.status == QueueJob.Status.PENDING:
        body["retryAt"] = job.run_after.isoformat().replace("+00:00", "Z")
        message = "Daily prospect queue job failed; it will be retried"
        status = 503
    else:
        message = "Daily prospect queue job failed"
        status = 500
    return JsonResponse(
        {
            "success": False,
            "message": message,
            "error": job.errors[-1] if job.errors else message,
            "errors": job.errors,
            "data": job.result,
            **body,
        },
        status=status,
    )


def healthz(request):
    """Database reachability and the qcluster heartbeat (from the shared cache)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        logger.error("healthz: database unreachable: %s", type(exc).__name__)
        return JsonResponse({"status": "error", "database": {"ok": False, "error": type(exc).__name__}}, status=503)
    return JsonResponse({"status": "ok", "database": {"ok": True}, "worker": _worker_status()})


def _worker_status() -> dict:
    from django_q.status import Stat

    try:
        clusters = Stat.get_all()
    except Exception as exc:  # the heartbeat is advisory; never fail health on it
        return {"ok": False, "clusters": 0, "error": type(exc).__name__}
    pending = QueueJob.objects.filter(status=QueueJob.Status.PENDING, run_after__lte=timezone.now()).count()
    return {
        "ok": bool(clusters),
        "clusters": len(clusters),
        "workers": sum(len(stat.workers) for stat in clusters),
        "lastHeartbeat": max((stat.timestamp.isoformat() for stat in clusters), default=None),
        "statuses": sorted({str(stat.status) for stat in clusters}),
        "duePendingJobs": pending,
        **({} if clusters else {"hint": "No qcluster heartbeat: start one with 'python manage.py qcluster'."}),
    }
