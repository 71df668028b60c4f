"""Sending approved emails: once, within the window and the cap, never to the suppressed.

One email is one unit of work: claim it (`approved → sending`, a conditional
UPDATE), re-check suppression, reserve a slot in the sender's daily cap (a
conditional UPDATE on a counter row, so every worker shares it), send through
Django's mail API, record the outcome. An email left in `sending` by a dead
worker is never sent again blindly: the message may have left.
"""

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from email.utils import formataddr, make_msgid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import BadHeaderError, EmailMessage, get_connection
from django.core.validators import validate_email
from django.db.models import F, Q
from django.utils import timezone

from prospects.models import Prospect

from .models import OutreachEmail, SenderDay, SendingControl, Suppression
from .smtp import data_was_sent, reset_phase
from .suppression import suppression_add, suppression_for
from .unsubscribe import unsubscribe_token, unsubscribe_url

logger = logging.getLogger("outreach")

Status = OutreachEmail.Status
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


# --- the sending window -------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    start: time
    end: time
    days: frozenset[int]  # 0 = Monday

    @classmethod
    def from_settings(cls) -> "Window":
        return cls.parse(settings.OUTREACH_SEND_WINDOW, settings.OUTREACH_SEND_DAYS)

    @classmethod
    def parse(cls, hours: str, days: str) -> "Window":
        try:
            start_text, end_text = (part.strip() for part in hours.split("-"))
            start = time.fromisoformat(start_text)
            end = time.max if end_text == "24:00" else time.fromisoformat(end_text)  # 24:00: to midnight
        except ValueError:
            raise ValueError(f"OUTREACH_SEND_WINDOW {hours!r} is not like 09:00-17:00.") from None
        if start >= end:
            raise ValueError(f"OUTREACH_SEND_WINDOW {hours!r} ends before it starts.")
        chosen = set()
        for part in days.lower().replace(" ", "").split(","):
            first, _, last = part.partition("-")
            if first not in DAYS or (last and last not in DAYS):
                raise ValueError(f"OUTREACH_SEND_DAYS {days!r} is not like mon-fri or mon,wed,fri.")
            a, b = DAYS.index(first), DAYS.index(last or first)
            chosen.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
        return cls(start=start, end=end, days=frozenset(chosen))

    def is_open(self, moment: datetime) -> bool:
        local = timezone.localtime(moment)
        return local.weekday() in self.days and self.start <= local.time() < self.end

    def next_open(self, after: datetime) -> datetime:
        """The first moment at or after `after` when the window is open."""
        if self.is_open(after):
            return after
        local = timezone.localtime(after)
        for offset in range(8):
            day = local.date() + timedelta(days=offset)
            opening = timezone.make_aware(datetime.combine(day, self.start))
            if day.weekday() in self.days and opening >= after:
                return opening
        raise ValueError("The sending window never opens.")

    def next_day_open(self, moment: datetime) -> datetime:
        """When the window opens on a later local day (for a cap reached today)."""
        tomorrow = timezone.localdate(moment) + timedelta(days=1)
        return self.next_open(timezone.make_aware(datetime.combine(tomorrow, time.min)))


# --- what may stop sending altogether -------------------------------------------------


def sending_blocker() -> str | None:
    if settings.OUTREACH_SENDING_PAUSED:
        return "Sending is paused by OUTREACH_SENDING_PAUSED."
    if SendingControl.objects.filter(pk=1, paused=True).exists():
        return "Sending is paused in admin (Outreach emails → Resume sending)."
    site = urlsplit(settings.SITE_URL)
    if not settings.DEBUG and (site.scheme != "https" or site.hostname in ("127.0.0.1", "localhost", "::1")):
        return (
            f"SITE_URL is {settings.SITE_URL!r}: unsubscribe links must be public https URLs (RFC 8058). "
            "Set SITE_URL to this site's public https address."
        )
    if not settings.OUTREACH_POSTAL_ADDRESS.strip():
        return (
            "OUTREACH_POSTAL_ADDRESS is not set: every commercial email must carry the sender's postal "
            "address (CASL, CAN-SPAM). Set it, then sending starts."
        )
    return None


def sender_problem(address: str) -> str | None:
    try:
        validate_email(address)
    except Exception:
        return f"the sender address {address!r} is not valid"
    if "." not in address.rsplit("@", 1)[1]:
        return f"the sender address {address!r} has no real domain: set the campaign's sender or DEFAULT_FROM_EMAIL"
    return None


# --- the daily cap --------------------------------------------------------------


def cap_reserve(*, sender: str, day) -> bool:
    SenderDay.objects.get_or_create(sender=sender, day=day)
    return (
        SenderDay.objects.filter(sender=sender, day=day, count__lt=settings.OUTREACH_DAILY_SEND_LIMIT).update(
            count=F("count") + 1
        )
        == 1
    )


def cap_release(*, sender: str, day) -> None:
    SenderDay.objects.filter(sender=sender, day=day, count__gt=0).update(count=F("count") - 1)


def sent_today(sender: str | None = None) -> int:
    days = SenderDay.objects.filter(day=timezone.localdate())
    if sender:
        days = days.filter(sender=sender)
    return sum(days.values_list("count", flat=True))


# --- the message ------------------------------------------------------------------


def build_message(email: OutreachEmail, *, connection=None) -> EmailMessage:
    campaign, prospect = email.campaign, email.prospect
    sender = campaign.from_email
    url = unsubscribe_url(unsubscribe_token(address=prospect.email, campaign_id=campaign.pk))
    footer = (
        f"\n\n--\n{campaign.sender_name}\n{settings.OUTREACH_POSTAL_ADDRESS.strip()}\n"
        f"You are receiving this because of your role at {prospect.company_name or 'your company'}. "
        f"To receive no more emails from us: {url}"
    )
    headers = {
        "Message-ID": make_msgid(domain=sender.rsplit("@", 1)[1]),
        "List-Unsubscribe": f"<{url}>, <mailto:{sender}?subject=unsubscribe>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return EmailMessage(
        subject=email.subject,
        body=email.body + footer,
        from_email=formataddr((campaign.sender_name, sender)),
        to=[prospect.email],
        reply_to=[campaign.reply_to] if campaign.reply_to else None,
        headers=headers,
        connection=connection,
    )


# --- one email --------------------------------------------------------------------


def _text(reply) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)


# Waits before the next try of one email: an outage of several hours fails nothing.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1),
                timedelta(hours=3), timedelta(hours=6))  # fmt: skip


def _retry_delay(attempt: int) -> timedelta:
    return RETRY_DELAYS[min(max(attempt, 1), len(RETRY_DELAYS)) - 1]


def _release_to_approved(email_id, *, error: str, send_after=None, count_attempt: bool = True, now=None):
    fields = {"status": Status.APPROVED, "last_error": error, "sending_started_at": None, "send_after": send_after}
    if not count_attempt:
        fields["send_attempts"] = F("send_attempts") - 1
    OutreachEmail.objects.filter(pk=email_id, status=Status.SENDING).update(**fields, updated_at=now or timezone.now())


def email_send(*, email_id, now=None, connection=None, window: Window | None = None) -> str:
    """Try to send one approved email; returns what happened, in a word."""
    now = now or timezone.now()
    window = window or Window.from_settings()
    blocker = sending_blocker()
    if blocker:
        return "blocked"
    if not window.is_open(now):
        return "outside_window"
    due = Q(send_after__isnull=True) | Q(send_after__lte=now)
    claimed = OutreachEmail.objects.filter(due, pk=email_id, status=Status.APPROVED).update(
        status=Status.SENDING, sending_started_at=now, send_attempts=F("send_attempts") + 1, updated_at=now
    )
    if claimed != 1:
        return "taken"  # another worker has it, or it is no longer approved
    email = OutreachEmail.objects.select_related("campaign", "prospect").get(pk=email_id)
    address = email.prospect.email

    rule = suppression_for(address)
    if rule:
        OutreachEmail.objects.filter(pk=email_id, status=Status.SENDING).update(
            status=Status.CANCELLED, last_error=f"Not sent: {rule} is suppressed ({rule.reason}).", updated_at=now
        )
        return "suppressed"

    sender = email.campaign.from_email
    problem = sender_problem(sender)
    if problem:
        # An hour's wait, so a campaign without a sender cannot fill every batch.
        _release_to_approved(
            email_id, error=f"Not sent: {problem}.", send_after=now + timedelta(hours=1), count_attempt=False, now=now
        )
        return "misconfigured"

    today = timezone.localdate(now)
    if not cap_reserve(sender=sender, day=today):
        later = window.next_day_open(now)
        _release_to_approved(
            email_id,
            error=f"Daily cap of {settings.OUTREACH_DAILY_SEND_LIMIT} for {sender} reached; "
            f"due {timezone.localtime(later):%Y-%m-%d %H:%M}.",
            send_after=later,
            count_attempt=False,
            now=now,
        )
        return "capped"

    try:
        message = build_message(email, connection=connection or get_connection(fail_silently=False))
        message.message()  # headers are checked here (a line break in the subject), before anything is sent
    except (BadHeaderError, ValueError) as exc:
        cap_release(sender=sender, day=today)
        OutreachEmail.objects.filter(pk=email_id, status=Status.SENDING).update(
            status=Status.FAILED, last_error=f"Not sent: the message could not be built ({exc}).", updated_at=now
        )
        return "failed"
    reset_phase()
    try:
        message.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        code, reply = next(iter(exc.recipients.values()), (0, b""))
        detail = f"{code} {_text(reply)}".strip()
        cap_release(sender=sender, day=today)
        if code >= 500 and _mailbox_unknown(code, detail):
            return _bounced(email, detail=detail, now=now)
        if code >= 500:  # policy (5.7.x relaying, blocklists): our problem, not the address's
            OutreachEmail.objects.filter(pk=email_id, status=Status.SENDING).update(
                status=Status.FAILED, last_error=f"The mail server refused to relay it ({detail}).", updated_at=now
            )
            return "failed"
        return _transient(email, error=f"the mail server deferred {address} ({detail})", now=now, window=window)
    except smtplib.SMTPDataError as exc:
        cap_release(sender=sender, day=today)
        detail = f"{exc.smtp_code} {_text(exc.smtp_error)}"
        if exc.smtp_code >= 500:
            OutreachEmail.objects.filter(pk=email_id, status=Status.SENDING).update(
                status=Status.FAILED, last_error=f"The mail server refused the message ({detail}).", updated_at=now
            )
            return "failed"
        return _transient(email, error=f"the mail server answered {detail}", now=now, window=window)
    except (OSError, smtplib.SMTPException) as exc:
        if data_was_sent():
            # The server had the whole message when the line went quiet: it may have delivered it.
            OutreachEmail.objects.filter(pk=email_id, status=Status.SENDING).update(
                status=Status.FAILED,
                last_error=(
                    f"The connection failed after the message was handed over ({type(exc).__name__}: {exc}); "
                    "it may have been delivered. Check before using 'Retry sending'."
                ),
                sending_started_at=None,
                updated_at=now,
            )
            return "uncertain"
        cap_release(sender=sender, day=today)
        return _transient(
            email,
            error=f"could not reach the mail server ({type(exc).__name__}: {exc})",
            now=now,
            window=window,
            server_down=True,
        )
    recorded = OutreachEmail.objects.filter(pk=email_id, status=Status.SENDING).update(
        status=Status.SENT,
        sent_at=timezone.now(),
        message_id=message.extra_headers["Message-ID"],
        last_error="",
        sending_started_at=None,
        updated_at=timezone.now(),
    )
    if recorded != 1:
        logger.error("email %s was delivered but its row had changed meanwhile; check it by hand", email_id)
    Prospect.objects.filter(pk=email.prospect_id).update(status=Prospect.Status.CONTACTED, updated_at=now)
    logger.info("email %s sent to %s as %s", email_id, address, message.extra_headers["Message-ID"])
    return "sent"


def _mailbox_unknown(code: int, detail: str) -> bool:
    """A 5xx about the mailbox itself (user unknown, mailbox disabled), not about us."""
    enhanced = detail.split()[1] if len(detail.split()) > 1 else ""
    if enhanced.startswith("5.7.") or code in (530, 554):
        return False
    return code in (550, 551, 553) and (not enhanced[:2] == "5." or enhanced.startswith(("5.1.", "5.2.1")))


class ServerDown(Exception):
    """The mail server cannot be reached: the rest of the batch waits for the next pass."""


def _transient(email, *, error: str, now, window, server_down: bool = False) -> str:
    if server_down:
        # Raised after this email is put back, so the batch stops instead of paying a timeout per email.
        _transient(email, error=error, now=now, window=window)
        raise ServerDown(error)
    if email.send_attempts >= settings.OUTREACH_SEND_MAX_ATTEMPTS:
        OutreachEmail.objects.filter(pk=email.pk, status=Status.SENDING).update(
            status=Status.FAILED,
            last_error=f"Gave up after {email.send_attempts} attempts: {error}.",
            sending_started_at=None,
            updated_at=now,
        )
        logger.error("email %s failed for good: %s", email.pk, error)
        return "failed"
    later = window.next_open(now + _retry_delay(email.send_attempts))
    _release_to_approved(email.pk, error=f"Attempt {email.send_attempts} failed: {error}.", send_after=later, now=now)
    logger.warning("email %s not sent (attempt %d), retry at %s: %s", email.pk, email.send_attempts, later, error)
    return "retry"


def _bounced(email, *, detail: str, now) -> str:
    OutreachEmail.objects.filter(pk=email.pk, status=Status.SENDING).update(
        status=Status.FAILED,
        last_error=f"The mail server refused {email.prospect.email} ({detail}); the address is suppressed.",
        sending_started_at=None,
        updated_at=now,
    )
    suppression_add(email=email.prospect.email, reason=Suppression.Reason.BOUNCED, source=f"SMTP {detail}"[:200])
    logger.warning("email %s bounced: %s", email.pk, detail)
    return "bounced"


# --- the batch -------------------------------------------------------------------


def emails_recover_stale_sending(*, now=None) -> int:
    """A worker died mid-send: the message may have left, so a person decides."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.OUTREACH_SENDING_LEASE_SECONDS)
    count = OutreachEmail.objects.filter(status=Status.SENDING, sending_started_at__lt=stale).update(
        status=Status.FAILED,
        last_error=(
            "A worker stopped while sending this email; it may have been delivered. Check the sent mail "
            "before using 'Retry sending' so nobody gets it twice."
        ),
        sending_started_at=None,
        updated_at=now,
    )
    if count:
        logger.error("%d email(s) were left in sending by a dead worker; marked for review", count)
    return count


def emails_send_due(*, now=None, limit: int = 200) -> dict:
    """Send what is due now; safe to run in several workers at once."""
    clock = now  # None: every email reads the time when it is sent
    now = now or timezone.now()
    emails_recover_stale_sending(now=now)
    blocker = sending_blocker()
    if blocker:
        logger.info("sending: %s", blocker)
        return {"blocked": blocker}
    window = Window.from_settings()
    if not window.is_open(now):
        return {"outside_window": window.next_open(now).isoformat()}
    due = Q(send_after__isnull=True) | Q(send_after__lte=now)
    ids = list(
        OutreachEmail.objects.filter(due, status=Status.APPROVED)
        .order_by("reviewed_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    outcomes: dict[str, int] = {}
    connection = get_connection(fail_silently=False)
    for position, email_id in enumerate(ids):
        try:
            # Each email on its own clock (unless a test fixes it): a long batch stops when the window closes.
            outcome = email_send(email_id=email_id, now=clock, connection=connection, window=window)
        except ServerDown as exc:
            outcomes["retry"] = outcomes.get("retry", 0) + 1
            waiting = ids[position + 1 :]
            OutreachEmail.objects.filter(pk__in=waiting, status=Status.APPROVED).update(
                last_error=f"Not tried yet: {exc}."
            )
            if waiting:
                outcomes["not_tried"] = len(waiting)
            break
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if outcome in ("blocked", "outside_window"):
            break  # paused or closed mid-batch: the rest stay approved
    if ids:
        logger.info("sending: %s", ", ".join(f"{n} {o}" for o, n in sorted(outcomes.items())))
    return outcomes


def sending_set_paused(*, paused: bool, user=None) -> None:
    control = SendingControl.current()
    control.paused, control.updated_by = paused, user
    control.save(update_fields=["paused", "updated_by", "updated_at"])
    logger.warning("sending %s by %s", "paused" if paused else "resumed", user)
    if not paused:
        sending_dispatch_on_commit()  # what is due goes out now, once


def emails_retry_sending(*, queryset) -> int:
    """Failed emails go back to approved with a fresh budget of attempts (a person decided)."""
    count = queryset.filter(status=Status.FAILED).update(
        status=Status.APPROVED, send_after=None, send_attempts=0, updated_at=timezone.now()
    )
    if count:
        sending_dispatch_on_commit()
    return count


def sending_dispatch_on_commit() -> None:
    """Wake a worker to send what was just approved."""
    from django.db import transaction

    def dispatch():
        from django_q.tasks import async_task

        try:
            async_task("outreach.tasks.send_due", task_name="send approved emails", group="sending")
        except Exception:
            logger.exception("could not hand sending to django-q2; the every-minute schedule will")

    transaction.on_commit(dispatch)
