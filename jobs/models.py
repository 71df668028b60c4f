import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone


class QueueJob(models.Model):
    """One unit of background work and the whole story of its attempts.

    The machine writes these rows (see jobs/queue.py); people only read them.
    """

    class Status(models.TextChoices):
        PENDING = "pending"
        PROCESSING = "processing"
        COMPLETED = "completed"
        FAILED = "failed"

    class Trigger(models.TextChoices):
        CRON = "cron"
        MANUAL = "manual"
        COMMAND = "command"
        API = "api"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    job_type = models.CharField(max_length=100)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    trigger = models.CharField(max_length=20, choices=Trigger.choices, default=Trigger.API)
    payload = models.JSONField(default=dict, blank=True)
    result = models.JSONField(null=True, blank=True)
    errors = models.JSONField(default=list, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=3)
    run_after = models.DateTimeField(default=timezone.now)
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    locked_by = models.CharField(max_length=200, blank=True, default="")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # When a django-q2 task was last sent for this job, so the every-minute
    # dispatcher does not pile up duplicate tasks while one is still queued.
    dispatched_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        permissions = (
            ("retry_queuejob", "Can retry a failed job"),
            ("enqueue_queuejob", "Can enqueue the daily job"),
        )
        indexes = (
            # job_claim_next: the oldest due pending job.
            models.Index(
                fields=("run_after", "created_at"),
                condition=Q(status="pending"),
                name="queuejob_due_pending",
            ),
            # jobs_recover_expired: leases that ran out.
            models.Index(
                fields=("lease_expires_at",),
                condition=Q(status="processing"),
                name="queuejob_processing_lease",
            ),
            models.Index(fields=("job_type", "-created_at"), name="queuejob_type_created"),
        )

    def __str__(self):
        return f"{self.job_type} {self.id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.COMPLETED, self.Status.FAILED)

    def as_status_dict(self) -> dict:
        """The `job` object of the status endpoint (the seed's field names)."""

        def iso(value):
            return value.isoformat().replace("+00:00", "Z") if value else None

        return {
            "id": str(self.id),
            "type": self.job_type,
            "status": self.status,
            "trigger": self.trigger,
            "attempts": self.attempts,
            "maxAttempts": self.max_attempts,
            "createdAt": iso(self.created_at),
            "startedAt": iso(self.started_at),
            "finishedAt": iso(self.finished_at),
            "runAfter": iso(self.run_after) if self.status == self.Status.PENDING else None,
            "result": self.result,
            "errors": self.errors,
        }
