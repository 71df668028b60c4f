"""The daily job: for each active campaign, discover → score → draft → queue for approval.

Each draft is saved as `pending_approval` the moment it exists, so a crash
loses at most the drafts in flight. A re-run resumes: people already stored are
not bought again (they are drafted first), people with an email are skipped,
and today's limit counts what is already queued today.
"""

import logging
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from prospects.discovery import Discovery, get_person_source, recent_known_ids, source_name
from prospects.models import Prospect
from prospects.pdl import PDLError
from prospects.query import build_person_query
from prospects.sample import SampleFileError
from prospects.scoring import SCORE_REASON_PREFIX, prospects_score

from .generation import GenerationAuthError, GenerationError, get_generator
from .models import Campaign, OutreachEmail
from .suppression import suppressed_addresses

logger = logging.getLogger("outreach")

HIDDEN_EMAIL = "PDL hides addresses"


class PipelineError(Exception):
    """The run cannot go on; `result` keeps what it did before stopping."""

    def __init__(self, message: str, *, result: dict | None = None):
        super().__init__(message)
        self.result = result


@dataclass
class CampaignRun:
    campaign: str
    daily_limit: int
    already_queued_today: int = 0
    target: int = 0
    discovered: int = 0
    scored: int = 0
    generated: int = 0
    queued: int = 0
    credits_spent: int = 0
    errors: list = field(default_factory=list)
    discovery: dict | None = None

    def as_dict(self) -> dict:
        return {
            "campaign": self.campaign,
            "dailyLimit": self.daily_limit,
            "alreadyQueuedToday": self.already_queued_today,
            "target": self.target,
            "prospectsDiscovered": self.discovered,
            "prospectsScored": self.scored,
            "emailsGenerated": self.generated,
            "prospectsQueued": self.queued,
            "creditsSpent": self.credits_spent,
            "errors": self.errors,
            "discovery": self.discovery,
        }


def campaigns_to_run(campaign_name: str | None = None):
    if campaign_name:
        campaigns = list(Campaign.objects.filter(name=campaign_name).select_related("icp"))
        if not campaigns:
            names = ", ".join(Campaign.objects.values_list("name", flat=True)) or "none yet"
            raise PipelineError(f"There is no campaign named {campaign_name!r} (campaigns: {names}).")
        return campaigns
    return list(Campaign.objects.filter(is_active=True).select_related("icp"))


def queued_today(campaign) -> int:
    return OutreachEmail.objects.filter(campaign=campaign, queued_on=timezone.localdate()).count()


def stored_candidates(campaign):
    """People found for this ICP, good enough for this campaign, whom no campaign has an email for yet.

    Qualification is per campaign: someone below another campaign's minimum may be
    above this one's, so "disqualified" for a low score does not rule them out here.
    """
    usable = Q(status=Prospect.Status.QUALIFIED) | Q(
        status=Prospect.Status.DISQUALIFIED, disqualified_reason__startswith=SCORE_REASON_PREFIX
    )
    return (
        Prospect.objects.filter(usable, icp=campaign.icp, score__gte=campaign.min_score)
        .filter(emails__isnull=True)
        .order_by("-score", "created_at")
    )


def _not_suppressed(prospects: list) -> list:
    """Drop people who asked not to be contacted (or bounced), marking them so."""
    blocked = suppressed_addresses(p.email for p in prospects)
    if blocked:
        Prospect.objects.filter(email__in=blocked).update(
            status=Prospect.Status.SUPPRESSED, disqualified_reason="suppressed", updated_at=timezone.now()
        )
    return [p for p in prospects if p.email not in blocked]


def _describe_prospect(prospect) -> str:
    return f"{prospect.full_name or 'unnamed'} ({prospect.pdl_id})"


class _CampaignDrafting:
    """Drafts for one campaign in a thread pool; saves each on the calling thread.

    Only the calling thread touches the database, so SQLite's single writer and
    the test suite's transaction both hold; generators get in-memory objects.
    """

    def __init__(self, *, run, campaign, generator, job, pool, state, progress):
        self.run, self.campaign, self.generator, self.job = run, campaign, generator, job
        self.pool, self.state, self.progress = pool, state, progress
        self.in_flight = {}
        self.crash = None
        self.stopped = threading.Event()

    def submit(self, prospects):
        for prospect in prospects:
            if self.state["auth_error"] or self.crash:
                return
            future = self.pool.submit(self._draft, prospect)
            self.in_flight[future] = prospect

    def _draft(self, prospect):
        """Runs in a pool thread. After a rejected key, queued drafts are skipped
        at once instead of each sending one more doomed request."""
        if self.stopped.is_set():
            return None
        try:
            return self.generator.generate(prospect, self.campaign)
        except GenerationAuthError:
            self.stopped.set()
            raise

    def collect(self, *, block: bool):
        """Save every finished draft; with `block`, wait until none is left.

        An unexpected error (a bug, not a GenerationError) stops new drafts, but
        the drafts already made are still saved before it is raised.
        """
        while self.in_flight:
            done, _ = wait(list(self.in_flight), timeout=None if block else 0, return_when=FIRST_COMPLETED)
            if not done:
                break
            for future in done:
                self._save(future, self.in_flight.pop(future))
            if self.crash:
                block = True
        if self.crash and not self.in_flight:
            raise self.crash

    def _save(self, future, prospect):
        if future.cancelled():
            return
        try:
            draft = future.result()
        except GenerationAuthError as exc:
            if not self.state["auth_error"]:
                self.state["auth_error"] = str(exc)
                self.run.errors.append(f"campaign {self.campaign.name!r}: {exc} Generation stopped for this run.")
            for other in self.in_flight:
                other.cancel()
            return
        except GenerationError as exc:
            self.run.errors.append(f"campaign {self.campaign.name!r}, prospect {_describe_prospect(prospect)}: {exc}")
            return
        except Exception as exc:
            self.crash = self.crash or exc
            return
        if draft is None:  # skipped after the key was rejected
            return
        self.run.generated += 1
        # Another run (a forced one, the command) may be filling the same day or person.
        if queued_today(self.campaign) >= self.campaign.daily_limit:
            logger.info("campaign %r: daily limit reached by another run; draft dropped", self.campaign.name)
            return
        if OutreachEmail.objects.filter(prospect=prospect).exists():
            logger.info("%s already has an email from another campaign", _describe_prospect(prospect))
            return
        try:
            with transaction.atomic():
                OutreachEmail.objects.create(
                    prospect=prospect,
                    campaign=self.campaign,
                    job=self.job,
                    subject=draft.subject,
                    body=draft.body,
                    generated_by=draft.generated_by,
                )
        except IntegrityError:
            # Another run queued this person for this campaign first: nothing lost, nothing doubled.
            logger.info("campaign %r: %s already has an email", self.campaign.name, _describe_prospect(prospect))
            return
        self.run.queued += 1
        self.progress()


def _run_campaign(campaign, *, run, job, generator, source, limit, state, progress_cb) -> CampaignRun:
    run.already_queued_today = queued_today(campaign)
    run.target = max(campaign.daily_limit - run.already_queued_today, 0)
    if limit is not None:
        run.target = min(run.target, limit)
    if run.target == 0 or state["auth_error"]:
        return run

    def progress():
        if progress_cb:
            progress_cb(run)

    candidates = _not_suppressed(list(stored_candidates(campaign)[: run.target]))
    concurrency = max(1, settings.OUTREACH_LLM_CONCURRENCY)
    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="draft")
    drafting = _CampaignDrafting(
        run=run, campaign=campaign, generator=generator, job=job, pool=pool, state=state, progress=progress
    )
    try:
        drafting.submit(candidates)
        need = run.target - len(candidates)
        if need > 0 and state["credits_left"] > 0 and not state["discovery_blocked"]:
            discovery = Discovery(icp=campaign.icp, credit_ceiling=state["credits_left"], source=source, job=job)
            try:
                # Page by page, drafting the qualified ones while the next page is fetched.
                while need > 0 and not state["auth_error"]:
                    page = discovery.next_page(want=need)  # never more than this run can use
                    if page is None:
                        break
                    run.discovered += len(page.prospects)
                    scored = prospects_score(prospects=page.prospects, icp=campaign.icp, min_score=campaign.min_score)
                    run.scored += len(scored)
                    qualified = _not_suppressed([p for p in scored if p.status == Prospect.Status.QUALIFIED])[:need]
                    drafting.submit(qualified)
                    need -= len(qualified)
                    progress()
                    drafting.collect(block=False)
                    if page.prospects and all(HIDDEN_EMAIL in p.disqualified_reason for p in page.prospects):
                        state["discovery_blocked"] = True
                        run.errors.append(
                            f"campaign {campaign.name!r}: PDL: every record on the page hides its email address "
                            "(a free plan?); discovery stopped so no more credits go on people we cannot email."
                        )
                        break
            except (PDLError, SampleFileError) as exc:
                if getattr(exc, "retryable", False):
                    drafting.collect(block=True)  # keep the drafts already paid for, then retry the job
                    raise
                state["discovery_blocked"] = True  # the same key would fail the same way for every campaign
                run.errors.append(f"campaign {campaign.name!r}: {exc}")
            finally:
                run.credits_spent = discovery.totals.credits_spent
                state["credits_left"] -= discovery.totals.credits_spent
                state["credits_remaining"] = discovery.totals.credits_remaining
                run.discovery = discovery.totals.as_dict()
        drafting.collect(block=True)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    logger.info(
        "campaign %r: %d queued today before, %d discovered, %d scored, %d generated, %d queued, %d error(s)",
        campaign.name,
        run.already_queued_today,
        run.discovered,
        run.scored,
        run.generated,
        run.queued,
        len(run.errors),
    )
    return run


def pipeline_run(*, job=None, campaign_name=None, limit=None, generator=None, source=None, progress=None) -> dict:
    """Run the daily pipeline now; returns the seed-compatible result."""
    started = time.monotonic()
    campaigns = campaigns_to_run(campaign_name)
    generator = generator or get_generator()
    source = source or get_person_source()
    # A retried job's earlier attempts spent credits too: the ceiling is per job, not per attempt.
    spent_before = int(((job.result or {}) if job else {}).get("creditsSpentInJob") or 0)
    state = {
        "credits_left": settings.PDL_CREDITS_PER_RUN - spent_before,
        "spent_before": spent_before,
        "credits_remaining": None,
        "discovery_blocked": False,
        "auth_error": None,
    }
    runs = []
    try:
        for campaign in campaigns:
            run = CampaignRun(campaign=campaign.name, daily_limit=campaign.daily_limit)
            runs.append(run)  # before it runs, so a failure still reports what it did
            _run_campaign(
                campaign,
                run=run,
                job=job,
                generator=generator,
                source=source,
                limit=limit,
                state=state,
                progress_cb=progress,
            )
    except Exception as exc:
        # What the run did before failing stays visible in the job (its drafts are saved).
        exc.result = _result(runs, started=started, state=state, source=source, generator=generator)
        raise
    result = _result(runs, started=started, state=state, source=source, generator=generator)
    if not campaigns:
        result["errors"].append("No active campaign: create one in admin (Outreach → Campaigns).")
    if state["auth_error"]:
        raise PipelineError(state["auth_error"], result=result)
    return result


def _result(runs, *, started, state, source, generator) -> dict:
    return {
        "prospectsDiscovered": sum(r.discovered for r in runs),
        "prospectsScored": sum(r.scored for r in runs),
        "prospectsQueued": sum(r.queued for r in runs),
        "emailsGenerated": sum(r.generated for r in runs),
        "dailyLimit": sum(r.daily_limit for r in runs),
        "errors": [error for r in runs for error in r.errors],
        "executionTime": f"{time.monotonic() - started:.1f}s",
        "creditsSpent": sum(r.credits_spent for r in runs),
        "creditsSpentInJob": state["spent_before"] + sum(r.credits_spent for r in runs),
        "creditsRemaining": state["credits_remaining"],
        "source": source_name(source),
        "generator": generator.name,
        "campaigns": [r.as_dict() for r in runs],
    }


def pipeline_plan(*, campaign_name=None, limit=None) -> dict:
    """What a run would do, without spending a credit or writing a row."""
    source = get_person_source()
    plans = []
    for campaign in campaigns_to_run(campaign_name):
        already = queued_today(campaign)
        target = max(campaign.daily_limit - already, 0)
        if limit is not None:
            target = min(target, limit)
        stored = min(stored_candidates(campaign).count(), target)
        plans.append(
            {
                "campaign": campaign.name,
                "dailyLimit": campaign.daily_limit,
                "alreadyQueuedToday": already,
                "target": target,
                "fromStoredProspects": stored,
                "toDiscover": target - stored,
                "pdlQuery": build_person_query(campaign.icp, exclude_ids=recent_known_ids(campaign.icp)),
            }
        )
    return {
        "source": source_name(source),
        "generator": get_generator().name,
        "creditCeiling": settings.PDL_CREDITS_PER_RUN,
        "campaigns": plans,
    }


def daily_prospect_queue(job, progress=None) -> dict:
    """The `daily_prospect_queue` job handler (registered in OutreachConfig.ready)."""
    return pipeline_run(
        job=job, campaign_name=job.payload.get("campaign"), limit=job.payload.get("limit"), progress=progress
    )
