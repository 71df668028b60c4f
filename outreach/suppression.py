"""Who we never write to again: unsubscribed, bounced, complained, or listed by hand.

Checked when drafts are made, when they are approved and when they are sent.
Adding a suppression cancels every unsent email to the address at once.
"""

import csv
import io
import logging

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from prospects.models import Prospect

from .models import OutreachEmail, Suppression

logger = logging.getLogger("outreach")

UNSENT = (OutreachEmail.Status.PENDING_APPROVAL, OutreachEmail.Status.APPROVED)


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1].lower() if "@" in address else ""


def suppression_for(address: str) -> Suppression | None:
    """The rule that blocks this address (its own, or its domain's), if any."""
    address = (address or "").strip().lower()
    if not address:
        return None
    return Suppression.objects.filter(Q(email=address) | Q(domain=domain_of(address))).first()


def suppressed_addresses(addresses) -> set[str]:
    """Which of these addresses are blocked, in two queries however many there are."""
    addresses = {a.lower() for a in addresses if a}
    if not addresses:
        return set()
    blocked = set(Suppression.objects.filter(email__in=addresses).values_list("email", flat=True))
    domains = set(
        Suppression.objects.filter(domain__in={domain_of(a) for a in addresses}).values_list("domain", flat=True)
    )
    return blocked | {a for a in addresses if domain_of(a) in domains}


def suppression_add(*, email: str = "", domain: str = "", reason: str, source: str = "") -> tuple[Suppression, int]:
    """Suppress an address or a domain; returns (the rule, how many unsent emails were cancelled)."""
    rule = Suppression(email=email, domain=domain, reason=reason, source=source[:200])
    rule.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError:  # already suppressed: keep the first reason, still cancel below
        rule = Suppression.objects.get(email=rule.email) if rule.email else Suppression.objects.get(domain=rule.domain)
    targets = Q(prospect__email__iexact=rule.email) if rule.email else Q(prospect__email__iendswith="@" + rule.domain)
    now = timezone.now()
    cancelled = OutreachEmail.objects.filter(targets, status__in=UNSENT).update(
        status=OutreachEmail.Status.CANCELLED,
        last_error=f"Cancelled: {rule} is suppressed ({rule.reason}).",
        updated_at=now,
    )
    people = Q(email__iexact=rule.email) if rule.email else Q(email__iendswith="@" + rule.domain)
    Prospect.objects.filter(people).update(
        status=Prospect.Status.SUPPRESSED, disqualified_reason=f"suppressed: {rule.reason}", updated_at=now
    )
    logger.info("suppressed %s (%s, %s); %d unsent email(s) cancelled", rule, rule.reason, rule.source, cancelled)
    return rule, cancelled


def suppressions_import_csv(*, text: str, reason: str, source: str) -> tuple[int, list[str]]:
    """Import addresses or domains, one per row (first column; a header row is skipped)."""
    added, problems = 0, []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not row[0].strip():
            continue
        value = row[0].strip().lower()
        if number == 1 and value in ("email", "address", "domain", "e-mail"):
            continue
        if "@" in value:
            try:
                validate_email(value)
            except ValidationError:
                problems.append(f"row {number}: {value!r} is not an email address")
                continue
            suppression_add(email=value, reason=reason, source=source)
        elif "." in value:
            suppression_add(domain=value.lstrip("@"), reason=reason, source=source)
        else:
            problems.append(f"row {number}: {value!r} is neither an address nor a domain")
            continue
        added += 1
    return added, problems
