"""An ideal customer profile as a PDL Person Search query (Elasticsearch 7 body).

Built as data, never as a string, so nothing needs escaping. The same body is
what the sample source evaluates, so both sources find the same kind of people.
"""

from . import taxonomy

# How many already-stored PDL ids the query excludes (newest first): enough to
# never re-buy yesterday's people, small enough to keep the request light.
EXCLUDE_IDS_LIMIT = 1000


def build_person_query(icp, *, exclude_ids=()) -> dict:
    must = []
    if icp.industries:
        spellings = [s for value in icp.industries for s in taxonomy.industry_spellings(value)]
        must.append({"terms": {"job_company_industry": list(dict.fromkeys(spellings))}})
    if icp.job_title_levels:
        must.append({"terms": {"job_title_levels": list(icp.job_title_levels)}})
    if icp.job_title_roles:
        must.append({"terms": {"job_title_role": list(icp.job_title_roles)}})
    if icp.company_sizes:
        must.append({"terms": {"job_company_size": list(icp.company_sizes)}})
    if icp.countries:
        must.append({"terms": {"location_country": list(icp.countries)}})
    if icp.regions:
        must.append({"terms": {"location_region": list(icp.regions)}})
    if icp.title_keywords:
        must.append(
            {
                "bool": {
                    "should": [
                        {"match": {"job_title": {"query": keyword, "operator": "and"}}}
                        for keyword in icp.title_keywords
                    ],
                    "minimum_should_match": 1,
                }
            }
        )
    # A record without a work address cannot be emailed: don't pay for it.
    must.append({"exists": {"field": "work_email"}})

    must_not = []
    if icp.exclude_companies:
        must_not.append({"terms": {"job_company_name": list(icp.exclude_companies)}})
    exclude_ids = list(exclude_ids)[:EXCLUDE_IDS_LIMIT]
    if exclude_ids:
        must_not.append({"terms": {"id": exclude_ids}})

    query = {"bool": {"must": must}}
    if must_not:
        query["bool"]["must_not"] = must_not
    return {"query": query}
