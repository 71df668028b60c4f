import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html

from . import daily, queue
from .models import QueueJob


def _pretty(value) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str)


@admin.register(QueueJob)
class QueueJobAdmin(admin.ModelAdmin):
    """Read-only: the machine writes these rows. Retry and enqueue go through jobs.queue."""

    list_display = ("short_id", "job_type", "status", "trigger", "attempts", "created_at", "started_at", "finished_at")
    list_filter = ("status", "job_type", "trigger")
    search_fields = ("=id", "dedupe_key")
    ordering = ("-created_at",)
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ("retry_jobs",)
    fields = (
        "id",
        "job_type",
        "status",
        "trigger",
        "attempts",
        "max_attempts",
        "dedupe_key",
        "created_at",
        "run_after",
        "started_at",
        "finished_at",
        "locked_by",
        "lease_expires_at",
        "payload_display",
        "result_display",
        "errors_display",
    )
    readonly_fields = fields
    change_list_template = "admin/jobs/queuejob/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request):
        return request.user.has_perm("jobs.retry_queuejob")

    def has_enqueue_permission(self, request):
        return request.user.has_perm("jobs.enqueue_queuejob")

    @admin.display(description="id", ordering="id")
    def short_id(self, obj):
        return str(obj.id)[:8]

    @admin.display(description="payload")
    def payload_display(self, obj):
        return format_html("<pre>{}</pre>", _pretty(obj.payload))

    @admin.display(description="result")
    def result_display(self, obj):
        if obj.result is None:
            return "-"
        return format_html("<details open><summary>result</summary><pre>{}</pre></details>", _pretty(obj.result))

    @admin.display(description="errors")
    def errors_display(self, obj):
        if not obj.errors:
            return "-"
        return format_html("<pre>{}</pre>", "\n".join(obj.errors))

    @admin.action(description="Retry the selected failed jobs", permissions=["retry"])
    def retry_jobs(self, request, queryset):
        retried = sum(queue.job_retry(job=job) for job in queryset.filter(status=QueueJob.Status.FAILED))
        skipped = queryset.count() - retried
        self.message_user(request, f"Queued {retried} job(s) again.", messages.SUCCESS)
        if skipped:
            self.message_user(request, f"Skipped {skipped} job(s) that had not failed.", messages.WARNING)

    def get_urls(self):
        return [
            path(
                "enqueue-daily/",
                self.admin_site.admin_view(self.enqueue_daily_view),
                name="jobs_queuejob_enqueue_daily",
            ),
            *super().get_urls(),
        ]

    def enqueue_daily_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_enqueue_permission(request):
            raise PermissionDenied
        job, created = daily.daily_job_enqueue(trigger="manual", force=bool(request.POST.get("force")))
        if created:
            self.message_user(request, f"Enqueued the daily job {job.id}.", messages.SUCCESS)
        else:
            self.message_user(
                request,
                f"Today's daily job {job.id} already exists ({job.status}); "
                "use 'Run again today (force)' for another run.",
                messages.WARNING,
            )
        return HttpResponseRedirect(reverse("admin:jobs_queuejob_change", args=[job.pk]))

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_enqueue": self.has_enqueue_permission(request)}
        return super().changelist_view(request, extra_context)
