from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

DEFAULT_SUBJECT_TEMPLATE = "A quick question about {{ prospect.company_name|title }}"
DEFAULT_BODY_TEMPLATE = """Hi {{ prospect.first_name|title }},

I noticed you work as {{ prospect.job_title }} at {{ prospect.company_name|title }}.

{{ campaign.pitch }}

Would a 15-minute call next week be useful?

{{ campaign.sender_name }}"""


class Campaign(models.Model):
    """Who to look for (an ICP), what to offer them, and how many to reach a day."""

    name = models.CharField(max_length=200, unique=True)
    icp = models.ForeignKey("prospects.IdealCustomerProfile", on_delete=models.PROTECT, related_name="campaigns")
    sender_name = models.CharField(max_length=200)
    sender_email = models.EmailField(blank=True, help_text="Empty: DEFAULT_FROM_EMAIL.")
    reply_to = models.EmailField(blank=True, help_text="Where replies go, if not to the sender.")
    pitch = models.TextField(help_text="What we offer and why it matters to them; the generator builds on it.")
    subject_template = models.CharField(
        max_length=300, default=DEFAULT_SUBJECT_TEMPLATE, help_text="Used without OpenAI (Django template syntax)."
    )
    template = models.TextField(
        default=DEFAULT_BODY_TEMPLATE,
        help_text="The body used without OpenAI: Django template syntax with {{ prospect }} and {{ campaign }}.",
    )
    daily_limit = models.PositiveIntegerField(default=50, help_text="Emails queued for approval per local day.")
    min_score = models.PositiveSmallIntegerField(default=60, help_text="Prospects scoring lower are not emailed.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("name",)

    def __str__(self):
        return self.name

    def clean(self):
        from .generation import TemplateError, check_template

        if self.min_score > 100:
            raise ValidationError({"min_score": "A score is 0-100."})
        errors = {}
        for field in ("subject_template", "template"):
            try:
                check_template(getattr(self, field))
            except TemplateError as exc:
                errors[field] = str(exc)
        if errors:
            raise ValidationError(errors)

    @property
    def from_email(self) -> str:
        return self.sender_email or settings.DEFAULT_FROM_EMAIL


class OutreachEmail(models.Model):
    """One draft first email to one prospect for one campaign, and its review."""

    class Status(models.TextChoices):
        PENDING_APPROVAL = "pending_approval", "pending approval"
        APPROVED = "approved"
        REJECTED = "rejected"
        SENDING = "sending"
        SENT = "sent"
        FAILED = "failed"
        CANCELLED = "cancelled"

    prospect = models.ForeignKey("prospects.Prospect", on_delete=models.CASCADE, related_name="emails")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="emails")
    job = models.ForeignKey("jobs.QueueJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="emails")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING_APPROVAL)
    generated_by = models.CharField(max_length=100, help_text="The model's name, or 'template'.")
    # The local day (TIME_ZONE) it was queued: what the daily limit counts.
    queued_on = models.DateField(default=timezone.localdate, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=300, blank=True)
    last_error = models.TextField(blank=True)
    send_attempts = models.PositiveSmallIntegerField(default=0)
    # When an approved email may go out next (a retry's backoff, tomorrow's cap, the window).
    send_after = models.DateTimeField(null=True, blank=True)
    # Set while a worker holds it in `sending`; a stale one means the worker died mid-send.
    sending_started_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at",)
        permissions = (("approve_outreachemail", "Can approve or reject outreach emails"),)
        constraints = (models.UniqueConstraint(fields=("campaign", "prospect"), name="one_email_per_prospect"),)
        indexes = (
            models.Index(fields=("campaign", "queued_on"), name="email_campaign_day"),
            # The approval queue: pending emails, newest first.
            models.Index(fields=("-created_at",), condition=Q(status="pending_approval"), name="email_pending_created"),
        )

    def __str__(self):
        return f"To {self.prospect.full_name or self.prospect.pdl_id}: {self.subject}"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.PENDING_APPROVAL


class Suppression(models.Model):
    """An address or a whole domain we never send to again."""

    class Reason(models.TextChoices):
        UNSUBSCRIBED = "unsubscribed"
        BOUNCED = "bounced"
        MANUAL = "manual"
        COMPLAINT = "complaint"

    email = models.EmailField(max_length=254, blank=True, help_text="One address (lowercase), or leave empty.")
    domain = models.CharField(max_length=255, blank=True, help_text="A whole domain, e.g. competitor.example.")
    reason = models.CharField(max_length=20, choices=Reason.choices, default=Reason.MANUAL)
    source = models.CharField(max_length=200, blank=True, help_text="Where it came from: a link, a bounce, an import.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = (
            models.UniqueConstraint(fields=("email",), condition=~Q(email=""), name="suppression_unique_email"),
            models.UniqueConstraint(fields=("domain",), condition=~Q(domain=""), name="suppression_unique_domain"),
            models.CheckConstraint(
                condition=(Q(email="") & ~Q(domain="")) | (~Q(email="") & Q(domain="")),
                name="suppression_email_xor_domain",
            ),
        )

    def __str__(self):
        return self.email or f"*@{self.domain}"

    def clean(self):
        self.email, self.domain = self.email.strip().lower(), self.domain.strip().lower().lstrip("@")
        if bool(self.email) == bool(self.domain):
            raise ValidationError("Give either an address or a domain.")


class SendingControl(models.Model):
    """The global pause switch (one row). OUTREACH_SENDING_PAUSED=true overrides it."""

    paused = models.BooleanField(default=False)
    note = models.CharField(max_length=300, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "sending control"
        permissions = (("pause_sending", "Can pause and resume all sending"),)

    def __str__(self):
        return "Sending paused" if self.paused else "Sending on"

    @classmethod
    def current(cls) -> "SendingControl":
        control, _ = cls.objects.get_or_create(pk=1)
        return control


class SenderDay(models.Model):
    """How many emails one sender address has sent on one local day.

    Reserving a slot is one conditional UPDATE (`count < cap`), so every worker,
    on every machine, shares the cap exactly.
    """

    sender = models.EmailField(max_length=254)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = (models.UniqueConstraint(fields=("sender", "day"), name="sender_day_unique"),)

    def __str__(self):
        return f"{self.sender} {self.day}: {self.count}"
