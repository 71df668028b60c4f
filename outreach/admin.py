from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince

from . import approval, sending
from .generation import draft_problems
from .models import Campaign, OutreachEmail, SendingControl, Suppression
from .suppression import suppressions_import_csv

Status = OutreachEmail.Status


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "icp", "sender_name", "daily_limit", "min_score", "is_active", "queued_today")
    list_filter = ("is_active",)
    list_select_related = ("icp",)
    search_fields = ("name",)
    fieldsets = (
        (None, {"fields": ("name", "icp", "is_active")}),
        ("Sender", {"fields": ("sender_name", "sender_email")}),
        ("What to say", {"fields": ("pitch", "subject_template", "template")}),
        ("Limits", {"fields": ("daily_limit", "min_score")}),
    )

    def get_queryset(self, request):
        today = timezone.localdate()
        return super().get_queryset(request).annotate(_queued_today=Count("emails", filter=Q(emails__queued_on=today)))

    @admin.display(description="queued today", ordering="_queued_today")
    def queued_today(self, obj):
        return f"{obj._queued_today} / {obj.daily_limit}"


class StatusFilter(admin.SimpleListFilter):
    """The approval queue opens on pending drafts; 'All' is one click away."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [(value, label) for value, label in Status.choices if value != Status.PENDING_APPROVAL] + [
            ("all", "All")
        ]

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "Pending approval",
        }
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset.filter(status=Status.PENDING_APPROVAL)
        if self.value() == "all":
            return queryset
        return queryset.filter(status=self.value())


class ReviewForm(forms.ModelForm):
    """Subject and body, plus the reviewer's decision (the buttons) and reason."""

    decision = forms.ChoiceField(required=False, choices=[("", "save"), ("approve", "approve"), ("reject", "reject")])
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    class Meta:
        model = OutreachEmail
        fields = ("subject", "body")
        widgets = {
            "subject": forms.TextInput(attrs={"size": 90}),
            "body": forms.Textarea(attrs={"rows": 16, "cols": 90}),
        }

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject":
            if not data.get("reason", "").strip():
                self.add_error("reason", "Say why the email is rejected.")
        elif "subject" in data and "body" in data:
            # An edit is held to the same standard as a draft, saved or approved.
            for problem in draft_problems(data["subject"], data["body"]):
                self.add_error(None, f"This email cannot be saved: {problem}.")
        return data


class RejectForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))


@admin.register(OutreachEmail)
class OutreachEmailAdmin(admin.ModelAdmin):
    """The approval queue: what a reviewer needs to decide, and nothing they can break."""

    form = ReviewForm
    list_display = ("subject", "prospect_name", "company", "score", "campaign", "status", "age", "delivery")
    list_display_links = ("subject",)
    list_select_related = ("prospect", "campaign")
    list_filter = (StatusFilter, "campaign")
    search_fields = ("subject", "prospect__full_name", "prospect__email", "prospect__company_name")
    ordering = ("-job__created_at", "-created_at")  # newest job first
    show_full_result_count = False
    list_per_page = 50
    actions = ("approve_selected", "reject_selected", "regenerate_selected", "retry_sending")
    change_form_template = "admin/outreach/outreachemail/change_form.html"
    change_list_template = "admin/outreach/outreachemail/change_list.html"
    fieldsets = (
        ("The prospect", {"fields": ("prospect_context", "score_breakdown")}),
        ("The email", {"fields": ("campaign", "subject", "body", "generated_by")}),
        ("Review", {"fields": ("status", "reviewed_by", "reviewed_at", "rejection_reason")}),
        ("Sending", {"fields": ("sent_at", "message_id", "send_attempts", "last_error")}),
    )
    always_readonly = (
        "prospect_context", "score_breakdown", "campaign", "generated_by", "status", "reviewed_by",
        "reviewed_at", "rejection_reason", "sent_at", "message_id", "send_attempts", "last_error",
    )  # fmt: skip

    # --- permissions ---------------------------------------------------------

    def has_add_permission(self, request):
        return False  # drafts come from the pipeline

    def has_delete_permission(self, request, obj=None):
        return False  # a record of what was (or was not) said to whom

    def has_change_permission(self, request, obj=None):
        # Only drafts are editable: approved, rejected and sent emails are read-only.
        return super().has_change_permission(request, obj) and (obj is None or obj.is_editable)

    def has_approve_permission(self, request):
        return request.user.has_perm(approval.APPROVE_PERMISSION)

    def has_pause_permission(self, request):
        return request.user.has_perm("outreach.pause_sending")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not obj.is_editable:
            return (*self.always_readonly, "subject", "body")
        return self.always_readonly

    # --- list columns ----------------------------------------------------------

    @admin.display(description="prospect", ordering="prospect__full_name")
    def prospect_name(self, obj):
        return obj.prospect.full_name

    @admin.display(description="company", ordering="prospect__company_name")
    def company(self, obj):
        return obj.prospect.company_name

    @admin.display(description="score", ordering="prospect__score")
    def score(self, obj):
        return obj.prospect.score

    @admin.display(description="age", ordering="created_at")
    def age(self, obj):
        return timesince(obj.created_at)

    @admin.display(description="delivery")
    def delivery(self, obj):
        if obj.status == Status.SENT:
            return f"sent {timezone.localtime(obj.sent_at):%Y-%m-%d %H:%M}"
        if obj.last_error:
            return f"{obj.last_error[:120]} (attempts: {obj.send_attempts})"
        return "-"

    # --- change view -------------------------------------------------------------

    @admin.display(description="who")
    def prospect_context(self, obj):
        p = obj.prospect
        location = ", ".join(v for v in (p.location_locality, p.location_region, p.location_country) if v)
        rows = [
            ("Name", p.full_name),
            ("Email", p.email),
            ("Title", p.job_title),
            ("Level / role", f"{', '.join(p.job_title_levels)} / {p.job_title_role}"),
            ("Company", f"{p.company_name} ({p.company_domain})" if p.company_domain else p.company_name),
            ("Industry / size", f"{p.company_industry} / {p.company_size}"),
            ("Location", location),
            ("LinkedIn", p.linkedin_url),
            ("Score", p.score_reason or p.score),
        ]
        body = format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows)
        return format_html('<table class="prospect-context">{}</table>', body)

    @admin.display(description="score breakdown")
    def score_breakdown(self, obj):
        items = sorted(obj.prospect.score_breakdown.items(), key=lambda kv: -kv[1])
        return format_html_join(", ", "{}: {}", items) or "-"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("prospect", "campaign", "reviewed_by")

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        context["can_review"] = bool(obj and obj.is_editable and self.has_approve_permission(request))
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def save_model(self, request, obj, form, change):
        """Approve and reject go through the services, which re-check the state and permission."""
        decision = form.cleaned_data.get("decision")
        request._review_outcome = None
        try:
            if decision == "approve":
                approval.email_approve(
                    email=obj, user=request.user, subject=form.cleaned_data["subject"], body=form.cleaned_data["body"]
                )
                request._review_outcome = (messages.SUCCESS, f"Approved the email to {obj.prospect}.")
            elif decision == "reject":
                approval.email_reject(email=obj, user=request.user, reason=form.cleaned_data["reason"])
                request._review_outcome = (messages.SUCCESS, f"Rejected the email to {obj.prospect}.")
            elif not approval.email_edit(email=obj, subject=obj.subject, body=obj.body):
                request._review_outcome = (messages.ERROR, "The email was reviewed meanwhile; the edit was not saved.")
        except ValidationError as exc:
            request._review_outcome = (messages.ERROR, " ".join(exc.messages))

    def response_change(self, request, obj):
        outcome = getattr(request, "_review_outcome", None)
        if outcome is None:
            return super().response_change(request, obj)
        level, text = outcome
        self.message_user(request, text, level)
        if level == messages.ERROR:
            return HttpResponseRedirect(request.path)
        return HttpResponseRedirect(self._next_pending_url(obj))

    def _next_pending_url(self, obj):
        """After a decision, the next draft in the queue (or the queue itself)."""
        following = (
            OutreachEmail.objects.filter(status=Status.PENDING_APPROVAL)
            .exclude(pk=obj.pk)
            .order_by("-created_at")
            .values_list("pk", flat=True)
            .first()
        )
        if following:
            return reverse("admin:outreach_outreachemail_change", args=[following])
        return reverse("admin:outreach_outreachemail_changelist")

    # --- sending: the pause switch and today's count ----------------------------------

    def get_urls(self):
        return [
            path("sending/", self.admin_site.admin_view(self.sending_switch_view), name="outreach_sending_switch"),
            *super().get_urls(),
        ]

    def sending_switch_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_pause_permission(request):
            raise PermissionDenied
        paused = request.POST.get("paused") == "1"
        sending.sending_set_paused(paused=paused, user=request.user)
        self.message_user(
            request,
            "Sending is paused: nothing goes out until you resume." if paused else "Sending resumed.",
            messages.WARNING if paused else messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:outreach_outreachemail_changelist"))

    def changelist_view(self, request, extra_context=None):
        blocker = sending.sending_blocker()
        window = sending.Window.from_settings()
        now = timezone.now()
        extra_context = {
            **(extra_context or {}),
            "sending_blocker": blocker,
            "window_opens": None if window.is_open(now) else timezone.localtime(window.next_open(now)),
            "sending_paused": SendingControl.objects.filter(pk=1, paused=True).exists(),
            "sent_today": sending.sent_today(),
            "send_cap": settings.OUTREACH_DAILY_SEND_LIMIT,
            "can_pause": self.has_pause_permission(request),
        }
        return super().changelist_view(request, extra_context)

    # --- actions ---------------------------------------------------------------

    @admin.action(description="Retry sending the selected failed emails", permissions=["approve"])
    def retry_sending(self, request, queryset):
        count = sending.emails_retry_sending(queryset=queryset)
        self.message_user(request, f"Queued {count} email(s) to be sent again.", messages.SUCCESS)

    @admin.action(description="Approve the selected emails", permissions=["approve"])
    def approve_selected(self, request, queryset):
        count, skipped = approval.emails_approve(queryset=queryset, user=request.user)
        self.message_user(request, f"Approved {count} email(s).", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"Left {skipped} email(s) pending: suppressed, or not fit to send as written.",
                messages.WARNING,
            )

    @admin.action(description="Reject the selected emails…", permissions=["approve"])
    def reject_selected(self, request, queryset):
        form = RejectForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            count = approval.emails_reject(queryset=queryset, user=request.user, reason=form.cleaned_data["reason"])
            self.message_user(request, f"Rejected {count} email(s).", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Reject emails",
            "opts": self.model._meta,
            "form": form,
            "queryset": queryset.select_related("prospect"),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/outreach/outreachemail/reject_selected.html", context)

    @admin.action(description="Regenerate the selected drafts", permissions=["change"])
    def regenerate_selected(self, request, queryset):
        done, failures = 0, []
        for email in queryset.filter(status=Status.PENDING_APPROVAL).select_related("prospect", "campaign"):
            try:
                approval.email_regenerate(email=email)
                done += 1
            except ValidationError as exc:
                failures.append(" ".join(exc.messages))
        self.message_user(request, f"Regenerated {done} draft(s).", messages.SUCCESS)
        for failure in failures:
            self.message_user(request, failure, messages.ERROR)


class ImportForm(forms.Form):
    file = forms.FileField(help_text="CSV: one address or domain per row, in the first column.")
    reason = forms.ChoiceField(choices=Suppression.Reason.choices, initial=Suppression.Reason.MANUAL)


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    list_display = ("__str__", "reason", "source", "created_at")
    list_filter = ("reason",)
    search_fields = ("email", "domain", "source")
    fields = ("email", "domain", "reason", "source")
    change_list_template = "admin/outreach/suppression/change_list.html"
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):
        return False  # a suppression is a promise; remove it (delete) rather than edit it

    def save_model(self, request, obj, form, change):
        from .suppression import suppression_add

        rule, cancelled = suppression_add(
            email=obj.email, domain=obj.domain, reason=obj.reason, source=obj.source or f"admin ({request.user})"
        )
        obj.pk = rule.pk
        if cancelled:
            self.message_user(request, f"Cancelled {cancelled} unsent email(s).", messages.WARNING)

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="outreach_suppression_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            raw = form.cleaned_data["file"].read()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                form.add_error("file", "The file is not UTF-8 text; export it as CSV (UTF-8) and try again.")
            else:
                added, problems = suppressions_import_csv(
                    text=text, reason=form.cleaned_data["reason"], source=f"CSV import by {request.user}"
                )
                self.message_user(request, f"Imported {added} suppression(s).", messages.SUCCESS)
                for problem in problems[:20]:
                    self.message_user(request, f"Skipped {problem}.", messages.WARNING)
                return HttpResponseRedirect(reverse("admin:outreach_suppression_changelist"))
        context = {**self.admin_site.each_context(request), "title": "Import suppressions", "form": form,
                   "opts": self.model._meta}  # fmt: skip
        return TemplateResponse(request, "admin/outreach/suppression/import.html", context)
