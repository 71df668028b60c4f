"""Scoring is a policy: these are representative people and what they should score, and why."""

import pytest

from prospects.models import IdealCustomerProfile, Prospect
from prospects.scoring import WEIGHTS, prospects_score, score_prospect

ICP = IdealCustomerProfile(
    name="b2b saas marketing leaders",
    industries=["computer software", "internet"],
    job_title_levels=["vp", "director"],
    job_title_roles=["marketing"],
    company_sizes=["51-200", "201-500"],
    countries=["united states", "canada"],
    title_keywords=["marketing", "growth"],
)


def prospect(**fields):
    defaults = dict(
        pdl_id="p",
        job_title="vp of marketing",
        job_title_levels=["vp"],
        job_title_role="marketing",
        company_industry="computer software",
        company_size="51-200",
        location_country="united states",
        email="a@b.example",
        linkedin_url="linkedin.com/in/a",
        raw={},
    )
    return Prospect(**{**defaults, **fields})


CASES = [
    ("a perfect fit", {}, 100, {}),
    ("no linkedin", {"linkedin_url": ""}, 95, {"linkedin": 0}),
    ("a director is as good as a vp", {"job_title_levels": ["director"], "job_title": "director of growth"}, 100, {}),
    (
        "a manager is one step off",
        {"job_title_levels": ["manager"], "job_title": "marketing manager"},
        90,
        {"seniority": 10},
    ),
    (
        "an entry-level person is far off",
        {"job_title_levels": ["entry"], "job_title": "marketing associate"},
        80,
        {"seniority": 0},
    ),
    ("wrong industry", {"company_industry": "retail"}, 75, {"industry": 0}),
    ("a company one size up", {"company_size": "501-1000"}, 95, {"company_size": 5}),
    ("an enterprise far off", {"company_size": "10001+"}, 90, {"company_size": 0}),
    ("outside the countries", {"location_country": "germany"}, 90, {"location": 0}),
    ("a sales vp", {"job_title_role": "sales", "job_title": "vp of sales"}, 75, {"role": 0, "title_keywords": 0}),
    ("no email", {"email": ""}, 95, {"work_email": 0}),
    (
        "a cto of a retailer in france",
        {
            "job_title_role": "engineering",
            "job_title": "cto",
            "job_title_levels": ["cxo"],
            "company_industry": "retail",
            "location_country": "france",
            "company_size": "1-10",
        },
        20,
        {"seniority": 10},
    ),
]


@pytest.mark.parametrize("label, fields, expected, misses", CASES, ids=[c[0] for c in CASES])
def test_representative_prospects_score_as_expected(label, fields, expected, misses):
    result = score_prospect(prospect(**fields), ICP)
    assert result.total == expected
    assert result.total == sum(result.breakdown.values())
    assert set(result.breakdown) == set(WEIGHTS)
    for criterion, points in (misses or {}).items():
        assert result.breakdown[criterion] == points
    assert result.reason.startswith(f"{expected}/100")


def test_the_reason_says_what_fits_and_what_misses():
    result = score_prospect(prospect(company_industry="retail", linkedin_url=""), ICP)
    assert result.reason == (
        "70/100: seniority vp; role marketing; company size 51-200; located in united states; "
        "title has 'marketing'; work email. Misses: industry retail not targeted; no LinkedIn profile"
    )


def test_an_empty_criterion_means_anyone_fits():
    result = score_prospect(prospect(company_industry="retail"), IdealCustomerProfile(name="anyone"))
    assert result.total == 100
    assert "any industry" in result.reason


def test_both_spellings_of_an_ambiguous_industry_score_alike():
    icp = IdealCustomerProfile(name="travel", industries=["leisure, travel & tourism"])
    assert score_prospect(prospect(company_industry="leisure, travel, & tourism"), icp).breakdown["industry"] == 25


@pytest.mark.django_db
def test_below_the_minimum_is_disqualified_with_the_reason_and_the_rest_qualified():
    good = prospect(pdl_id="good")
    weak = prospect(pdl_id="weak", email="w@b.example", company_industry="retail", location_country="france")
    no_email = prospect(pdl_id="none", email="", status="disqualified", disqualified_reason="no usable email: x")
    for p in (good, weak, no_email):
        p.save()
    prospects_score(prospects=[good, weak, no_email], icp=ICP, min_score=80)
    good.refresh_from_db(), weak.refresh_from_db(), no_email.refresh_from_db()
    assert (good.status, good.score) == ("qualified", 100)
    assert (weak.status, weak.score) == ("disqualified", 65)
    assert weak.disqualified_reason == "score 65 is below the minimum of 80"
    assert good.score_breakdown == {k: v for k, v in WEIGHTS.items()}
    assert (no_email.status, no_email.disqualified_reason) == ("disqualified", "no usable email: x")
    assert no_email.score == 95


@pytest.mark.parametrize("title", ["head of sales, emea", "sales/marketing director", "VP-Growth"])
def test_title_keywords_are_matched_word_by_word_as_the_search_does(title):
    icp = IdealCustomerProfile(name="t", title_keywords=["sales", "growth"])
    assert score_prospect(prospect(job_title=title), icp).breakdown["title_keywords"] == 10
