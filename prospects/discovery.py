"""Finding new people: page by page, within a credit ceiling, stored before anything else.

`Discovery` hands out one page at a time so a caller (the daily pipeline) can
stop as soon as it has enough qualified people; `prospects_discover` is the
plain "fetch up to N" service built on it.
"""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from .models import Prospect
from .pdl import MAX_PAGE_SIZE, PDLClient
from .query import EXCLUDE_IDS_LIMIT, build_person_query
from .sample import SampleSource

logger = logging.getLogger("prospects")

PROFESSIONAL_EMAIL_TYPES = ("current_professional", "professional")


def get_person_source():
    """PDL when a key is configured, the offline sample source otherwise."""
    if settings.PDL_API_KEY:
        return PDLClient(
            api_key=settings.PDL_API_KEY, base_url=settings.PDL_BASE_URL, backoff_base=settings.PDL_RETRY_BACKOFF
        )
    return SampleSource(settings.PROSPECT_SAMPLE_FILE or None)


def source_name(source) -> str:
    return getattr(source, "name", "pdl")


def _valid_address(value) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    address = value.strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        return None
    return address


def usable_email(record: dict) -> tuple[str, str]:
    """(address, "") for a work address we may use, or ("", the reason there is none).

    Only professional addresses: this is B2B outreach, personal inboxes are not ours to fill.
    """
    work = record.get("work_email")
    if address := _valid_address(work):
        return address, ""
    emails = record.get("emails")
    if isinstance(emails, list):
        for entry in emails:
            if isinstance(entry, dict) and entry.get("type") in PROFESSIONAL_EMAIL_TYPES:
                if address := _valid_address(entry.get("address")):
                    return address, ""
    if work is True or emails is True:
        return "", "no usable email: PDL hides addresses on this plan (work_email is true, not an address)"
    if isinstance(work, str) and work.strip():
        return "", f"no usable email: work_email {work.strip()[:100]!r} is not a valid address"
    return "", "no usable email: the record has no work address"


def _text(value, limit: int) -> str:
    """Free plans put booleans where strings would be: store only real text."""
    return value.strip()[:limit] if isinstance(value, str) else ""


def _domain(website) -> str:
    text = _text(website, 255).lower()
    for prefix in ("https://", "http://", "www."):
        text = text.removeprefix(prefix)
    return text.split("/")[0]


def prospect_from_record(record: dict, *, icp=None, job=None, source: str = "pdl") -> Prospect:
    email, no_email_reason = usable_email(record)
    levels = record.get("job_title_levels")
    return Prospect(
        pdl_id=str(record["id"])[:100],
        first_name=_text(record.get("first_name"), 200),
        last_name=_text(record.get("last_name"), 200),
        full_name=_text(record.get("full_name"), 400),
        email=email,
        job_title=_text(record.get("job_title"), 400),
        job_title_levels=[v for v in levels if isinstance(v, str)] if isinstance(levels, list) else [],
        job_title_role=_text(record.get("job_title_role"), 100),
        company_name=_text(record.get("job_company_name"), 400),
        company_domain=_domain(record.get("job_company_website")),
        company_industry=_text(record.get("job_company_industry"), 200),
        company_size=_text(record.get("job_company_size"), 20),
        location_country=_text(record.get("location_country"), 100),
        location_region=_text(record.get("location_region"), 100),
        location_locality=_text(record.get("location_locality"), 200),
        linkedin_url=_text(record.get("linkedin_url"), 500),
        raw=record,
        source=source,
        status=Prospect.Status.DISQUALIFIED if no_email_reason else Prospect.Status.NEW,
        disqualified_reason=no_email_reason,
        icp=icp,
        found_by_job=job,
    )


@dataclass
class DiscoveryPage:
    prospects: list  # the new Prospect rows stored from this page
    returned: int
    duplicates: int
    no_email: int
    invalid: int
    credits_spent: int


@dataclass
class DiscoveryTotals:
    source: str
    query: dict
    pages: int = 0
    returned: int = 0
    stored: int = 0
    duplicates: int = 0
    no_email: int = 0
    invalid: int = 0
    credits_spent: int = 0
    credits_remaining: int | None = None
    exhausted: bool = False
    prospects: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "pages": self.pages,
            "returned": self.returned,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "noEmail": self.no_email,
            "invalid": self.invalid,
            "creditsSpent": self.credits_spent,
            "creditsRemaining": self.credits_remaining,
            "exhausted": self.exhausted,
        }


def recent_known_ids(icp=None, limit: int = EXCLUDE_IDS_LIMIT) -> list[str]:
    """The newest stored people found for this ICP (the ones its query would return again)."""
    known = Prospect.objects.all()
    if icp is not None and icp.pk:
        known = known.filter(icp=icp)
    return list(known.order_by("-created_at", "-id").values_list("pdl_id", flat=True)[:limit])


class Discovery:
    """One search, paged on demand, that never buys more than `credit_ceiling` records."""

    def __init__(self, *, icp, credit_ceiling: int, source=None, job=None):
        self.icp = icp
        self.job = job
        self.source = source or get_person_source()
        self.credit_ceiling = max(int(credit_ceiling), 0)
        self.query = build_person_query(icp, exclude_ids=recent_known_ids(icp))
        self.totals = DiscoveryTotals(source=source_name(self.source), query=self.query)
        self._scroll_token = None
        self._requested = 0  # records asked for so far: what PDL may bill at most

    @property
    def credits_left(self) -> int:
        return self.credit_ceiling - self._requested

    @property
    def done(self) -> bool:
        return self.totals.exhausted or self.credits_left <= 0

    def next_page(self, *, want: int) -> DiscoveryPage | None:
        """Fetch and store up to `want` more records; None when there is nothing more to get."""
        size = min(MAX_PAGE_SIZE, self.credits_left, max(int(want), 0))
        if self.done or size <= 0:
            return None
        page = self.source.search_page(self.query, size=size, scroll_token=self._scroll_token)
        self._requested += size
        totals = self.totals
        totals.pages += 1
        totals.credits_spent += page.credits_spent
        if page.credits_remaining is not None:
            totals.credits_remaining = page.credits_remaining
        stored = self._store(page.records)
        totals.returned += len(page.records)
        totals.stored += len(stored.prospects)
        totals.duplicates += stored.duplicates
        totals.no_email += stored.no_email
        totals.invalid += stored.invalid
        totals.prospects.extend(stored.prospects)
        stored.credits_spent = page.credits_spent
        if not page.records or len(page.records) < size or not page.scroll_token or totals.returned >= page.total:
            totals.exhausted = True
        elif not stored.prospects:
            # A whole page of people we already have: the exclusion list no longer covers
            # them, and paying for more pages of the same would only waste credits.
            logger.warning("discovery for ICP %r: a page held only known people; stopping", self.icp.name)
            totals.exhausted = True
        self._scroll_token = page.scroll_token
        logger.info(
            "discovery for ICP %r (%s): page %d, %d returned, %d new, %d duplicate(s), %d without email",
            self.icp.name,
            totals.source,
            totals.pages,
            len(page.records),
            len(stored.prospects),
            stored.duplicates,
            stored.no_email,
        )
        return stored

    def _store(self, records: list) -> DiscoveryPage:
        """Store each new record as received (dedupe on pdl_id and on email)."""
        valid = [r for r in records if isinstance(r, dict) and r.get("id")]
        invalid = len(records) - len(valid)
        candidates = [prospect_from_record(r, icp=self.icp, job=self.job, source=self.totals.source) for r in valid]
        known_ids = set(
            Prospect.objects.filter(pdl_id__in=[p.pdl_id for p in candidates]).values_list("pdl_id", flat=True)
        )
        emails = [p.email for p in candidates if p.email]
        known_emails = set(Prospect.objects.filter(email__in=emails).values_list("email", flat=True))
        fresh, seen_ids, seen_emails = [], set(known_ids), set(known_emails)
        for prospect in candidates:
            if prospect.pdl_id in seen_ids or (prospect.email and prospect.email in seen_emails):
                continue
            seen_ids.add(prospect.pdl_id)
            if prospect.email:
                seen_emails.add(prospect.email)
            fresh.append(prospect)
        # ignore_conflicts: a concurrent run that stored the same person first wins, quietly.
        Prospect.objects.bulk_create(fresh, ignore_conflicts=True)
        stored = list(
            Prospect.objects.filter(pdl_id__in=[p.pdl_id for p in fresh], found_by_job=self.job).order_by("id")
        )
        return DiscoveryPage(
            prospects=stored,
            returned=len(records),
            duplicates=len(candidates) - len(stored),
            no_email=sum(1 for p in stored if p.status == Prospect.Status.DISQUALIFIED),
            invalid=invalid,
            credits_spent=0,
        )


def prospects_discover(*, icp, limit: int, credit_ceiling: int | None = None, source=None, job=None):
    """Fetch up to `limit` new records for this ICP, never more than the credit ceiling."""
    ceiling = settings.PDL_CREDITS_PER_RUN if credit_ceiling is None else credit_ceiling
    discovery = Discovery(icp=icp, credit_ceiling=min(limit, ceiling), source=source, job=job)
    while discovery.next_page(want=limit - discovery.totals.returned) is not None:
        pass
    return discovery.totals
