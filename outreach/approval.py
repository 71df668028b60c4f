"""Review of drafts: approve (optionally after editing), reject with a reason, regenerate.

Every change is a conditional UPDATE on `status=pending_approval`, so a draft
approved in one tab and rejected in another ends one way, and a bulk action on
a hundred drafts is one query whatever their number.
"""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from .generation import GenerationError, draft_problems, get_generator
from .models import OutreachEmail
from .sending import sending_dispatch_on_commit
from .suppression import suppressed_addresses, suppression_for

logger = logging.getLogger("outreach")

Status = OutreachEmail.Status
APPROVE_PERMISSION = "outreach.approve_outreachemail"


def _require_reviewer(user):
    if not user.has_perm(APPROVE_PERMISSION):
        raise PermissionDenied("Only reviewers (the approve_outreachemail permission) can approve or reject emails.")


def _pending(queryset):
    return queryset.filter(status=Status.PENDING_APPROVAL)


def email_approve(*, email: OutreachEmail, user, subject: str | None = None, body: str | None = None) -> OutreachEmail:
    """Approve one draft, saving the reviewer's edits with it."""
    _require_reviewer(user)
    subject = email.subject if subject is None else subject.strip()
    body = email.body if body is None else body.strip()
    problems = draft_problems(subject, body)
    if problems:
        raise ValidationError(f"This email cannot be approved: {'; '.join(problems)}.")
    rule = suppression_for(email.prospect.email)
    if rule:
        raise ValidationError(f"{email.prospect.email} is suppressed ({rule.reason}): this email cannot be approved.")
    now = timezone.now()
    updated = _pending(OutreachEmail.objects.filter(pk=email.pk)).update(
        status=Status.APPROVED, subject=subject, body=body, reviewed_by=user, reviewed_at=now, updated_at=now
    )
    if updated != 1:
        email.refresh_from_db()
        raise ValidationError(f"This email is {email.get_status_display()}, not pending approval: nothing changed.")
    email.refresh_from_db()
    logger.info("email %s approved by %s", email.pk, user)
    sending_dispatch_on_commit()
    return email


def email_reject(*, email: OutreachEmail, user, reason: str) -> OutreachEmail:
    _require_reviewer(user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Say why the email is rejected: the reason helps the next draft.")
    now = timezone.now()
    updated = _pending(OutreachEmail.objects.filter(pk=email.pk)).update(
        status=Status.REJECTED, rejection_reason=reason, reviewed_by=user, reviewed_at=now, updated_at=now
    )
    if updated != 1:
        email.refresh_from_db()
        raise ValidationError(f"This email is {email.get_status_display()}, not pending approval: nothing changed.")
    email.refresh_from_db()
    logger.info("email %s rejected by %s", email.pk, user)
    return email


def emails_approve(*, queryset, user) -> tuple[int, int]:
    """Approve the pending drafts in the selection in a few queries, whatever their number.

    Returns (approved, skipped): drafts to suppressed people, or that fail the draft
    checks (an edit left a placeholder), stay pending for a person to look at.
    """
    _require_reviewer(user)
    now = timezone.now()
    rows = list(_pending(queryset).values_list("pk", "subject", "body", "prospect__email"))
    blocked = suppressed_addresses(address for *_, address in rows)
    fit = [pk for pk, subject, body, address in rows if address not in blocked and not draft_problems(subject, body)]
    count = _pending(OutreachEmail.objects.filter(pk__in=fit)).update(
        status=Status.APPROVED, reviewed_by=user, reviewed_at=now, updated_at=now
    )
    logger.info("%d email(s) approved in bulk by %s", count, user)
    if count:
        sending_dispatch_on_commit()
    return count, len(rows) - count


def email_edit(*, email: OutreachEmail, subject: str, body: str) -> bool:
    """Save a reviewer's edit to a draft that is still pending; False if it was reviewed meanwhile."""
    return (
        _pending(OutreachEmail.objects.filter(pk=email.pk)).update(
            subject=subject.strip(), body=body.strip(), updated_at=timezone.now()
        )
        == 1
    )


def emails_reject(*, queryset, user, reason: str) -> int:
    _require_reviewer(user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Say why the emails are rejected.")
    now = timezone.now()
    count = _pending(queryset).update(
        status=Status.REJECTED, rejection_reason=reason, reviewed_by=user, reviewed_at=now, updated_at=now
    )
    logger.info("%d email(s) rejected in bulk by %s", count, user)
    return count


def email_regenerate(*, email: OutreachEmail, generator=None) -> OutreachEmail:
    """Draft a pending email again (after editing the campaign's pitch or template)."""
    if email.status != Status.PENDING_APPROVAL:
        raise ValidationError("Only emails pending approval can be regenerated.")
    generator = generator or get_generator()
    try:
        draft = generator.generate(email.prospect, email.campaign)
    except GenerationError as exc:
        raise ValidationError(f"Could not regenerate the email to {email.prospect}: {exc}") from None
    updated = _pending(OutreachEmail.objects.filter(pk=email.pk)).update(
        subject=draft.subject, body=draft.body, generated_by=draft.generated_by, updated_at=timezone.now()
    )
    if updated != 1:
        raise ValidationError("The email was reviewed meanwhile; it was not regenerated.")
    email.refresh_from_db()
    return email
