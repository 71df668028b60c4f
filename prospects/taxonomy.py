"""People Data Labs' canonical values, and what people type instead of them.

PDL matches exact lowercase values: "saas" finds no one. The ICP form refuses
any value that is not canonical and suggests the canonical ones, from the
synonym table first and then by spelling, so what is stored is exactly what is asked.
"""

import difflib
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"

# PDL's own sources spell these two both ways; each pair is one industry.
INDUSTRY_SPELLINGS = (
    ("glass, ceramics & concrete", "glass, ceramics, & concrete"),
    ("leisure, travel & tourism", "leisure, travel, & tourism"),
)

# What users type -> the canonical industries they mean.
INDUSTRY_SYNONYMS = {
    "saas": ["computer software", "internet", "information technology and services"],
    "software": ["computer software"],
    "tech": ["computer software", "internet", "information technology and services"],
    "it": ["information technology and services"],
    "it services": ["information technology and services"],
    "cybersecurity": ["computer & network security"],
    "security": ["computer & network security", "security and investigations"],
    "healthcare": ["hospital & health care", "medical practice", "health, wellness and fitness"],
    "health care": ["hospital & health care", "medical practice", "health, wellness and fitness"],
    "medtech": ["medical devices"],
    "pharma": ["pharmaceuticals"],
    "biotech": ["biotechnology"],
    "fintech": ["financial services", "computer software"],
    "finance": ["financial services", "banking", "investment management"],
    "real estate agents": ["real estate", "commercial real estate"],
    "realtors": ["real estate"],
    "property": ["real estate", "commercial real estate"],
    "law firms": ["law practice", "legal services"],
    "lawyers": ["law practice", "legal services"],
    "legal": ["legal services", "law practice"],
    "agencies": ["marketing and advertising", "public relations and communications", "design"],
    "marketing agencies": ["marketing and advertising"],
    "advertising": ["marketing and advertising"],
    "ecommerce": ["internet", "retail", "consumer goods"],
    "e-commerce": ["internet", "retail", "consumer goods"],
    "consulting": ["management consulting"],
    "recruiting": ["staffing and recruiting"],
    "staffing": ["staffing and recruiting"],
    "hr": ["human resources"],
    "edtech": ["e-learning", "education management"],
    "education": ["education management", "higher education", "primary/secondary education", "e-learning"],
    "nonprofit": ["non-profit organization management"],
    "non-profit": ["non-profit organization management"],
    "manufacturing": ["machinery", "industrial automation", "electrical/electronic manufacturing"],
    "logistics": ["logistics and supply chain", "package/freight delivery", "transportation/trucking/railroad"],
    "energy": ["oil & energy", "renewables & environment", "utilities"],
    "restaurants and bars": ["restaurants", "food & beverages"],
    "travel": ["leisure, travel & tourism"],
    "accountants": ["accounting"],
    "telecom": ["telecommunications"],
    "gaming": ["computer games"],
    "vc": ["venture capital & private equity"],
    "private equity": ["venture capital & private equity"],
}

LEVEL_SYNONYMS = {
    "c-level": ["cxo"],
    "c-suite": ["cxo"],
    "c suite": ["cxo"],
    "executive": ["cxo", "vp"],
    "executives": ["cxo", "vp"],
    "founder": ["owner", "cxo"],
    "founders": ["owner", "cxo"],
    "vice president": ["vp"],
    "head": ["director", "vp"],
    "senior": ["senior"],
    "mid-level": ["senior", "manager"],
    "junior": ["entry"],
}

ROLE_SYNONYMS = {
    "hr": ["human_resources"],
    "human resources": ["human_resources"],
    "tech": ["engineering"],
    "it": ["engineering"],
    "customer success": ["support"],
    "customer service": ["support"],
    "ops": ["operations"],
    "growth": ["marketing"],
    "business development": ["sales", "partnerships"],
    "bizdev": ["sales", "partnerships"],
    "pre-sales": ["sales_engineering"],
    "sales engineering": ["sales_engineering"],
    "professional services": ["professional_service"],
    "design": ["creative"],
}

SIZE_SYNONYMS = {
    "startup": ["1-10", "11-50"],
    "small": ["1-10", "11-50"],
    "smb": ["11-50", "51-200"],
    "mid-market": ["51-200", "201-500", "501-1000"],
    "midmarket": ["51-200", "201-500", "501-1000"],
    "enterprise": ["1001-5000", "5001-10000", "10001+"],
    "10000+": ["10001+"],
    "10,001+": ["10001+"],
}

# PDL writes countries as lowercase English names; these are the usual shorthands.
COUNTRY_SYNONYMS = {
    "us": ["united states"],
    "usa": ["united states"],
    "u.s.": ["united states"],
    "america": ["united states"],
    "uk": ["united kingdom"],
    "gb": ["united kingdom"],
    "great britain": ["united kingdom"],
    "england": ["united kingdom"],
    "ca": ["canada"],
    "uae": ["united arab emirates"],
    "de": ["germany"],
    "fr": ["france"],
    "au": ["australia"],
}


def _read(name: str) -> tuple[str, ...]:
    lines = (DATA_DIR / name).read_text().splitlines()
    return tuple(line.strip() for line in lines if line.strip())


@cache
def industries() -> frozenset[str]:
    values = set(_read("industries.txt"))
    for spellings in INDUSTRY_SPELLINGS:
        values.update(spellings)
    return frozenset(values)


@cache
def job_title_levels() -> frozenset[str]:
    return frozenset(_read("job_title_levels.txt"))


@cache
def job_title_roles() -> frozenset[str]:
    return frozenset(_read("job_title_roles.txt"))


@cache
def company_sizes() -> tuple[str, ...]:
    return _read("company_sizes.txt")  # ordered smallest first


def normalize(value: str) -> str:
    return " ".join(str(value).strip().lower().split())


def industry_spellings(value: str) -> list[str]:
    """Every spelling PDL may store for this industry (one, or both of a pair)."""
    for spellings in INDUSTRY_SPELLINGS:
        if value in spellings:
            return list(spellings)
    return [value]


def canonical_industry(value: str) -> str:
    """One spelling per industry, so the two ambiguous ones compare equal."""
    return industry_spellings(value)[0]


class Vocabulary:
    """One list of canonical values, its synonyms, and how to explain a miss."""

    def __init__(self, label: str, values, synonyms: dict[str, list[str]]):
        self.label = label
        self._values = values
        self.synonyms = synonyms

    @property
    def values(self) -> frozenset[str]:
        return frozenset(self._values())

    def suggestions(self, value: str) -> list[str]:
        value = normalize(value)
        if value in self.synonyms:
            return list(self.synonyms[value])
        return difflib.get_close_matches(value, sorted(self.values), n=3, cutoff=0.6)

    def error_for(self, value: str) -> str:
        message = f"'{value}' is not a PDL {self.label}"
        suggested = self.suggestions(value)
        if suggested:
            return f"{message}; did you mean: {', '.join(suggested)}?"
        return f"{message}. The accepted values are listed in prospects/data/."

    def validate(self, values) -> tuple[list[str], list[str]]:
        """Returns (canonical values, error messages); values are kept in order, once."""
        valid, errors = [], []
        for raw in values:
            value = normalize(raw)
            if not value:
                continue
            if value in self.values:
                if value not in valid:
                    valid.append(value)
            else:
                errors.append(self.error_for(raw))
        return valid, errors


INDUSTRY = Vocabulary("industry", industries, INDUSTRY_SYNONYMS)
LEVEL = Vocabulary("job title level", job_title_levels, LEVEL_SYNONYMS)
ROLE = Vocabulary("job title role", job_title_roles, ROLE_SYNONYMS)
SIZE = Vocabulary("company size", lambda: frozenset(company_sizes()), SIZE_SYNONYMS)


def validate_countries(values) -> tuple[list[str], list[str]]:
    """Countries have no canonical list here: lowercase names, shorthands refused with the name."""
    valid, errors = [], []
    for raw in values:
        value = normalize(raw)
        if not value:
            continue
        if value in COUNTRY_SYNONYMS:
            errors.append(
                f"'{raw}' is not how PDL writes a country; did you mean: {', '.join(COUNTRY_SYNONYMS[value])}?"
            )
        elif len(value) <= 3:  # no country's English name is that short; it is a code
            errors.append(f"'{raw}' is not a country name; PDL writes countries in full, e.g. 'united states'.")
        elif value not in valid:
            valid.append(value)
    return valid, errors
