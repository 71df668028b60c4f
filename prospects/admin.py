import csv
import json

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.http import HttpResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from .discovery import recent_known_ids
from .models import IdealCustomerProfile, Prospect
from .pdl import MAX_PAGE_SIZE
from .query import build_person_query

LIST_FIELDS = (
    "industries",
    "job_title_levels",
    "job_title_roles",
    "title_keywords",
    "company_sizes",
    "countries",
    "regions",
    "exclude_companies",
)


class ListField(forms.CharField):
    """A JSON list edited as text: one value per line, or comma-separated."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 60})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        lines = text.splitlines() if "\n" in text else text.split(",")
        # Industry names contain commas ("glass, ceramics & concrete"): one per line keeps them whole.
        return [v.strip() for v in lines if v.strip()]


class IdealCustomerProfileForm(forms.ModelForm):
    """The model's clean() checks every value against PDL's lists and suggests fixes."""

    industries = ListField(required=False, help_text="e.g. computer software")
    job_title_levels = ListField(required=False, help_text="cxo, owner, vp, director, partner, manager, senior, ...")
    job_title_roles = ListField(required=False, help_text="e.g. marketing, sales, operations")
    title_keywords = ListField(required=False, help_text="Any of these in the job title, e.g. growth")
    company_sizes = ListField(required=False, help_text="1-10, 11-50, 51-200, 201-500, 501-1000, 1001-5000, ...")
    countries = ListField(required=False, help_text="Full lowercase names, e.g. united states, canada")
    regions = ListField(required=False)
    exclude_companies = ListField(required=False)

    class Meta:
        model = IdealCustomerProfile
        fields = ("name", *LIST_FIELDS)


@admin.register(IdealCustomerProfile)
class IdealCustomerProfileAdmin(admin.ModelAdmin):
    form = IdealCustomerProfileForm
    list_display = ("name", "industries_display", "levels_display", "countries_display", "updated_at")
    search_fields = ("name",)
    readonly_fields = ("pdl_query",)
    fieldsets = (
        (None, {"fields": ("name",)}),
        (
            "Who (PDL's canonical values, one per line)",
            {"fields": ("industries", "job_title_levels", "job_title_roles", "title_keywords", "company_sizes")},
        ),
        ("Where", {"fields": ("countries", "regions")}),
        ("Never", {"fields": ("exclude_companies",)}),
        ("What PDL will be asked", {"fields": ("pdl_query",)}),
    )

    @admin.display(description="industries")
    def industries_display(self, obj):
        return ", ".join(obj.industries) or "any"

    @admin.display(description="levels")
    def levels_display(self, obj):
        return ", ".join(obj.job_title_levels) or "any"

    @admin.display(description="countries")
    def countries_display(self, obj):
        return ", ".join(obj.countries) or "any"

    @admin.display(description="PDL query")
    def pdl_query(self, obj):
        if obj is None or obj.pk is None:
            return "Save the profile to see the query."
        body = {"query": build_person_query(obj), "size": MAX_PAGE_SIZE}
        known = len(recent_known_ids(obj))
        note = (
            f"Each run also excludes the {known} most recently stored people found for this profile "
            "(must_not terms on id), so nobody is bought twice."
            if known
            else "No people stored yet, so no one is excluded by id."
        )
        return format_html("<pre>{}</pre><p>{}</p>", json.dumps(body, indent=2), note)


class ScoreBandFilter(admin.SimpleListFilter):
    title = "score"
    parameter_name = "score_band"
    BANDS = {"80+": Q(score__gte=80), "60-79": Q(score__gte=60, score__lt=80), "<60": Q(score__lt=60)}

    def lookups(self, request, model_admin):
        return [(band, band) for band in self.BANDS] + [("none", "not scored")]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(score__isnull=True)
        if self.value() in self.BANDS:
            return queryset.filter(self.BANDS[self.value()])
        return queryset


CSV_COLUMNS = (
    "pdl_id",
    "full_name",
    "email",
    "job_title",
    "company_name",
    "company_domain",
    "company_industry",
    "company_size",
    "location_country",
    "location_region",
    "linkedin_url",
    "score",
    "status",
    "disqualified_reason",
    "score_reason",
    "created_at",
)


@admin.register(Prospect)
class ProspectAdmin(admin.ModelAdmin):
    """Read-only: prospects are what the provider returned, plus our scoring."""

    list_display = (
        "full_name",
        "job_title",
        "company_name",
        "company_industry",
        "company_size",
        "location_country",
        "score",
        "status",
    )
    list_filter = ("status", ScoreBandFilter, "company_industry", ("found_by_job", admin.RelatedOnlyFieldListFilter))
    search_fields = ("full_name", "email", "company_name")
    ordering = ("-created_at",)
    show_full_result_count = False
    actions = ("export_csv",)
    fieldsets = (
        (None, {"fields": ("full_name", "email", "job_title", "job_title_levels", "job_title_role", "linkedin_url")}),
        ("Company", {"fields": ("company_name", "company_domain", "company_industry", "company_size")}),
        ("Location", {"fields": ("location_country", "location_region", "location_locality")}),
        ("Fit", {"fields": ("score", "status", "disqualified_reason", "breakdown_display", "score_reason")}),
        ("Provenance", {"fields": ("pdl_id", "source", "icp", "found_by_job", "created_at", "raw_display")}),
    )
    readonly_fields = tuple(name for _, spec in fieldsets for name in spec["fields"])

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="score breakdown")
    def breakdown_display(self, obj):
        if not obj.score_breakdown:
            return "-"
        rows = format_html_join("", "<tr><td>{}</td><td>{}</td></tr>", sorted(obj.score_breakdown.items()))
        return format_html("<table>{}</table>", rows)

    @admin.display(description="raw record")
    def raw_display(self, obj):
        return format_html(
            "<details><summary>as received</summary><pre>{}</pre></details>", json.dumps(obj.raw, indent=2)
        )

    @admin.action(description="Export the selected prospects as CSV", permissions=["view"])
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="prospects-{stamp}.csv"'
        writer = csv.writer(response)
        writer.writerow(CSV_COLUMNS)
        for row in queryset.order_by("-created_at").values_list(*CSV_COLUMNS).iterator():
            writer.writerow([_csv_safe(v) for v in row])
        return response


def _csv_safe(value):
    """Neutralise spreadsheet formulas in provider data (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
