"""PDL-shaped records and responses for the tests (the outside world, faked)."""

import json

import responses

SEARCH_URL = "https://api.peopledatalabs.com/v5/person/search"
API_KEY = "pdl-test-key-DO-NOT-LEAK-7f3a9c"


def person(n: int, **overrides) -> dict:
    record = {
        "id": f"pdl-{n:05d}",
        "full_name": f"person {n}",
        "first_name": "person",
        "last_name": str(n),
        "job_title": "vp of marketing",
        "job_title_role": "marketing",
        "job_title_levels": ["vp"],
        "job_company_name": f"company {n}",
        "job_company_website": f"company{n}.example",
        "job_company_industry": "computer software",
        "job_company_size": "51-200",
        "location_country": "united states",
        "location_region": "new york",
        "location_locality": "new york",
        "work_email": f"person{n}@company{n}.example",
        "emails": [],
        "linkedin_url": f"linkedin.com/in/person-{n}",
    }
    record.update(overrides)
    return record


def page(records, *, total=None, scroll_token="next", credits=None, remaining=1000):
    headers = {
        "x-call-credits-spent": str(len(records) if credits is None else credits),
        "x-totallimit-remaining": str(remaining),
    }
    body = {"status": 200, "data": records, "total": len(records) if total is None else total}
    if scroll_token:
        body["scroll_token"] = scroll_token
    return {"json": body, "status": 200, "headers": headers}


def not_found():
    return {
        "json": {
            "status": 404,
            "error": {"type": "not_found", "message": "No records were found matching your request"},
        },
        "status": 404,
    }


def error(status, error_type, message, headers=None):
    return {
        "json": {"status": status, "error": {"type": error_type, "message": message}},
        "status": status,
        "headers": headers or {},
    }


def add(rsps, *answers):
    for answer in answers:
        if isinstance(answer, Exception):
            rsps.add(responses.POST, SEARCH_URL, body=answer)
        else:
            rsps.add(responses.POST, SEARCH_URL, **answer)


def sent_bodies(rsps) -> list[dict]:
    return [json.loads(call.request.body) for call in rsps.calls]
