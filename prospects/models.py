from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from . import taxonomy


def _list():
    return []


class IdealCustomerProfile(models.Model):
    """Who a campaign is looking for, in People Data Labs' own vocabulary."""

    name = models.CharField(max_length=200, unique=True)
    industries = models.JSONField(default=_list, blank=True)
    job_title_levels = models.JSONField(default=_list, blank=True)
    job_title_roles = models.JSONField(default=_list, blank=True)
    title_keywords = models.JSONField(default=_list, blank=True, help_text="Words the job title must contain.")
    company_sizes = models.JSONField(default=_list, blank=True)
    countries = models.JSONField(default=_list, blank=True)
    regions = models.JSONField(default=_list, blank=True, help_text="States or provinces, e.g. 'ontario'.")
    exclude_companies = models.JSONField(default=_list, blank=True, help_text="Company names never to contact.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "ideal customer profile"
        ordering = ("name",)

    def __str__(self):
        return self.name

    def clean(self):
        """Refuse anything PDL would not match, saying what to write instead."""
        errors = {}
        checks = {
            "industries": taxonomy.INDUSTRY.validate,
            "job_title_levels": taxonomy.LEVEL.validate,
            "job_title_roles": taxonomy.ROLE.validate,
            "company_sizes": taxonomy.SIZE.validate,
            "countries": taxonomy.validate_countries,
        }
        for field, validate in checks.items():
            values = getattr(self, field)
            if not isinstance(values, list):
                errors[field] = "Enter a list of values."
                continue
            valid, problems = validate(values)
            if problems:
                errors[field] = problems
            else:
                setattr(self, field, valid)
        for field in ("title_keywords", "regions", "exclude_companies"):
            values = getattr(self, field)
            if not isinstance(values, list):
                errors[field] = "Enter a list of values."
            else:
                setattr(self, field, list(dict.fromkeys(taxonomy.normalize(v) for v in values if str(v).strip())))
        if errors:
            raise ValidationError(errors)


class Prospect(models.Model):
    """A person found by discovery, stored as received before anything else happens."""

    class Status(models.TextChoices):
        NEW = "new"
        QUALIFIED = "qualified"
        DISQUALIFIED = "disqualified"
        CONTACTED = "contacted"
        SUPPRESSED = "suppressed"

    pdl_id = models.CharField(max_length=100, unique=True)
    first_name = models.CharField(max_length=200, blank=True)
    last_name = models.CharField(max_length=200, blank=True)
    full_name = models.CharField(max_length=400, blank=True)
    email = models.EmailField(max_length=254, blank=True, help_text="A usable work address, lowercase; blank if none.")
    job_title = models.CharField(max_length=400, blank=True)
    job_title_levels = models.JSONField(default=_list, blank=True)
    job_title_role = models.CharField(max_length=100, blank=True)
    company_name = models.CharField(max_length=400, blank=True)
    company_domain = models.CharField(max_length=255, blank=True)
    company_industry = models.CharField(max_length=200, blank=True)
    company_size = models.CharField(max_length=20, blank=True)
    location_country = models.CharField(max_length=100, blank=True)
    location_region = models.CharField(max_length=100, blank=True)
    location_locality = models.CharField(max_length=200, blank=True)
    linkedin_url = models.CharField(max_length=500, blank=True)
    raw = models.JSONField(help_text="The provider's record exactly as received.")
    source = models.CharField(max_length=20, default="pdl")
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    score_breakdown = models.JSONField(default=dict, blank=True)
    score_reason = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    disqualified_reason = models.TextField(blank=True)
    icp = models.ForeignKey(IdealCustomerProfile, null=True, blank=True, on_delete=models.SET_NULL)
    found_by_job = models.ForeignKey(
        "jobs.QueueJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="prospects_found"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = (
            # One prospect per address: the same person under two PDL ids is bought once.
            models.UniqueConstraint(fields=("email",), condition=~Q(email=""), name="prospect_unique_email"),
        )
        indexes = (
            models.Index(fields=("status", "-score"), name="prospect_status_score"),
            models.Index(fields=("-created_at",), name="prospect_created"),
        )

    def __str__(self):
        return self.full_name or self.pdl_id
