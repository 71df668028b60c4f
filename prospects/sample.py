"""The offline person source: PDL-shaped records from a JSON file, searched with
the very query PDL would get.

Used when PDL_API_KEY is empty (the quickstart, demos, tests), or pointed at a
file of your own with PROSPECT_SAMPLE_FILE. It evaluates the subset of
Elasticsearch that prospects/query.py writes, so the same ICP finds the same
kind of people here as at PDL; it costs no credits.
"""

import json
from functools import cache
from pathlib import Path

from .pdl import SearchPage
from .scoring import title_tokens

DEFAULT_SAMPLE_FILE = Path(__file__).parent / "data" / "sample_people.json"


class SampleFileError(Exception):
    pass


@cache
def _load(path: str) -> tuple:
    try:
        records = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise SampleFileError(f"PROSPECT_SAMPLE_FILE {path} does not exist.") from None
    except ValueError as exc:
        raise SampleFileError(f"PROSPECT_SAMPLE_FILE {path} is not valid JSON ({exc}).") from None
    if isinstance(records, dict):  # a saved PDL response: {"data": [...]}
        records = records.get("data", [])
    if not isinstance(records, list) or not all(isinstance(r, dict) and r.get("id") for r in records):
        raise SampleFileError(f"PROSPECT_SAMPLE_FILE {path} must hold a list of PDL person records, each with an id.")
    return tuple(records)


class SampleSource:
    name = "sample"

    def __init__(self, path: str | Path | None = None):
        self.path = str(path or DEFAULT_SAMPLE_FILE)

    @property
    def records(self) -> tuple:
        return _load(self.path)

    def search_page(self, query: dict, *, size: int, scroll_token: str | None = None) -> SearchPage:
        found = [record for record in self.records if matches(query["query"], record)]
        if not found:
            return SearchPage(records=[], total=0, scroll_token=None)  # PDL's 404
        offset = int(scroll_token or 0)
        page = found[offset : offset + size]
        end = offset + len(page)
        return SearchPage(
            records=[json.loads(json.dumps(r)) for r in page],  # callers get their own copies
            total=len(found),
            scroll_token=str(end) if end < len(found) else None,
            credits_spent=0,
        )


def _values(record: dict, field: str) -> list:
    value = record.get(field)
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    return [v.lower() if isinstance(v, str) else v for v in values]


def _tokens(text) -> set[str]:
    return title_tokens(text) if isinstance(text, str) else set()


def matches(clause: dict, record: dict) -> bool:
    """Does `record` satisfy this Elasticsearch clause (bool/terms/term/match/exists)?"""
    ((kind, spec),) = clause.items()
    if kind == "bool":
        if not all(matches(c, record) for c in [*spec.get("must", []), *spec.get("filter", [])]):
            return False
        if any(matches(c, record) for c in spec.get("must_not", [])):
            return False
        should = spec.get("should", [])
        needed = spec.get("minimum_should_match", 0 if (spec.get("must") or spec.get("filter")) else 1)
        return not should or sum(matches(c, record) for c in should) >= int(needed)
    if kind == "exists":
        return any(v not in ("", False) for v in _values(record, spec["field"]))
    ((field, wanted),) = spec.items()
    if kind in ("terms", "term"):
        wanted = wanted if kind == "terms" else [wanted]
        wanted = {w.lower() if isinstance(w, str) else w for w in wanted}
        return any(v in wanted for v in _values(record, field))
    if kind in ("match", "match_phrase"):
        if isinstance(wanted, dict):
            query, operator = wanted.get("query", ""), wanted.get("operator", "or")
        else:
            query, operator = wanted, "or"
        have = set().union(set(), *(_tokens(v) for v in _values(record, field)))
        want = _tokens(query)
        if operator == "and" or kind == "match_phrase":
            return bool(want) and want <= have
        return bool(want & have)
    raise ValueError(f"The sample source does not understand the '{kind}' clause.")
