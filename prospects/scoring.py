"""How well a prospect fits the ideal customer profile, 0-100, with the reasons.

The weights below are the whole policy; they add up to 100. A criterion the ICP
leaves empty is "anyone fits" and earns its full weight. Near misses (a
director when the ICP asks for VPs, the next company size up) earn half.
"""

import re
from dataclasses import dataclass

from django.utils import timezone

from . import taxonomy
from .models import Prospect

WEIGHTS = {
    "industry": 25,
    "seniority": 20,
    "role": 15,
    "company_size": 10,
    "location": 10,
    "title_keywords": 10,
    "work_email": 5,
    "linkedin": 5,
}
assert sum(WEIGHTS.values()) == 100

DEFAULT_MIN_SCORE = 60
# How a low score's disqualification reads; the pipeline recognises it per campaign.
SCORE_REASON_PREFIX = "score "

# Seniority ladder for near misses: one rung away earns half.
LEVEL_RANK = {
    "unpaid": 0,
    "training": 0,
    "entry": 1,
    "senior": 2,
    "manager": 3,
    "director": 4,
    "vp": 5,
    "partner": 5,
    "cxo": 6,
    "owner": 6,
}


_WORD = re.compile(r"[a-z0-9]+")


def title_tokens(text: str) -> set[str]:
    """Words as PDL's `match` (and the sample source) see them: "sales/marketing" is two."""
    return set(_WORD.findall((text or "").lower()))


@dataclass
class Score:
    total: int
    breakdown: dict
    reason: str


def _fraction_and_note(criterion: str, prospect: Prospect, icp) -> tuple[float, str]:
    """(share of the weight earned, a few words saying why)."""
    if criterion == "industry":
        if not icp.industries:
            return 1, "any industry"
        wanted = {taxonomy.canonical_industry(v) for v in icp.industries}
        have = taxonomy.canonical_industry(prospect.company_industry.lower())
        return (1, f"industry {have}") if have in wanted else (0, f"industry {have or 'unknown'} not targeted")
    if criterion == "seniority":
        if not icp.job_title_levels:
            return 1, "any seniority"
        have = set(prospect.job_title_levels)
        if have & set(icp.job_title_levels):
            return 1, f"seniority {', '.join(sorted(have & set(icp.job_title_levels)))}"
        wanted_ranks = {LEVEL_RANK.get(v) for v in icp.job_title_levels} - {None}
        near = any(abs(LEVEL_RANK.get(v, -9) - r) == 1 for v in have for r in wanted_ranks)
        label = ", ".join(sorted(have)) or "unknown"
        return (0.5, f"seniority {label} is one step off") if near else (0, f"seniority {label} not targeted")
    if criterion == "role":
        if not icp.job_title_roles:
            return 1, "any role"
        have = prospect.job_title_role
        return (1, f"role {have}") if have in icp.job_title_roles else (0, f"role {have or 'unknown'} not targeted")
    if criterion == "company_size":
        if not icp.company_sizes:
            return 1, "any company size"
        sizes = list(taxonomy.company_sizes())
        have = prospect.company_size
        if have in icp.company_sizes:
            return 1, f"company size {have}"
        if have in sizes and any(abs(sizes.index(have) - sizes.index(w)) == 1 for w in icp.company_sizes):
            return 0.5, f"company size {have} is one bracket off"
        return 0, f"company size {have or 'unknown'} not targeted"
    if criterion == "location":
        country, region = prospect.location_country.lower(), prospect.location_region.lower()
        if icp.countries and country not in icp.countries:
            return 0, f"located in {country or 'an unknown country'}"
        if icp.regions and region not in icp.regions:
            return 0.5, f"region {region or 'unknown'} not targeted"
        return 1, f"located in {region + ', ' if region else ''}{country}" if country else "any location"
    if criterion == "title_keywords":
        if not icp.title_keywords:
            return 1, "any title"
        title_words = title_tokens(prospect.job_title)
        hits = [k for k in icp.title_keywords if title_tokens(k) and title_tokens(k) <= title_words]
        return (1, f"title has '{hits[0]}'") if hits else (0, "title has none of the keywords")
    if criterion == "work_email":
        return (1, "work email") if prospect.email else (0, "no usable work email")
    if criterion == "linkedin":
        return (1, "LinkedIn profile") if prospect.linkedin_url else (0, "no LinkedIn profile")
    raise KeyError(criterion)


def score_prospect(prospect: Prospect, icp) -> Score:
    breakdown, fits, misses = {}, [], []
    for criterion, weight in WEIGHTS.items():
        fraction, note = _fraction_and_note(criterion, prospect, icp)
        points = round(weight * fraction)
        breakdown[criterion] = points
        (fits if fraction == 1 else misses).append(note)
    total = sum(breakdown.values())
    reason = f"{total}/100: " + "; ".join(fits) if fits else f"{total}/100"
    if misses:
        reason += ". Misses: " + "; ".join(misses)
    return Score(total=total, breakdown=breakdown, reason=reason)


def prospects_score(*, prospects, icp, min_score: int = DEFAULT_MIN_SCORE) -> list[Prospect]:
    """Score each prospect; new ones become qualified, or disqualified with the reason."""
    scored, now = [], timezone.now()
    for prospect in prospects:
        result = score_prospect(prospect, icp)
        prospect.score, prospect.score_breakdown, prospect.score_reason = result.total, result.breakdown, result.reason
        if prospect.status == Prospect.Status.NEW:
            if result.total >= min_score:
                prospect.status, prospect.disqualified_reason = Prospect.Status.QUALIFIED, ""
            else:
                prospect.status = Prospect.Status.DISQUALIFIED
                prospect.disqualified_reason = (
                    f"{SCORE_REASON_PREFIX}{result.total} is below the minimum of {min_score}"
                )
        prospect.updated_at = now  # bulk_update skips auto_now
        scored.append(prospect)
    Prospect.objects.bulk_update(
        scored, ["score", "score_breakdown", "score_reason", "status", "disqualified_reason", "updated_at"]
    )
    return scored
