import csv
import io

import pytest
from django.urls import reverse

from prospects.models import IdealCustomerProfile, Prospect

pytestmark = pytest.mark.django_db

ICP_ADD = reverse("admin:prospects_idealcustomerprofile_add")
CHANGELIST = reverse("admin:prospects_prospect_changelist")


def icp_form(**overrides):
    data = {
        "name": "saas leaders",
        "industries": "",
        "job_title_levels": "",
        "job_title_roles": "",
        "title_keywords": "",
        "company_sizes": "",
        "countries": "",
        "regions": "",
        "exclude_companies": "",
    }
    data.update(overrides)
    return data


def make_prospect(n, **fields):
    defaults = dict(
        pdl_id=f"p{n}",
        full_name=f"person {n}",
        email=f"p{n}@x.example",
        job_title="vp marketing",
        company_name=f"company {n}",
        company_industry="computer software",
        company_size="51-200",
        location_country="canada",
        score=70,
        status="qualified",
        raw={"id": f"p{n}"},
        score_breakdown={"industry": 25, "seniority": 20},
    )
    return Prospect.objects.create(**{**defaults, **fields})


def test_an_icp_with_canonical_values_is_saved_as_lists(client, superuser):
    client.force_login(superuser)
    response = client.post(
        ICP_ADD,
        icp_form(
            industries="Computer Software\ninternet",
            job_title_levels="vp, director",
            countries="united states\ncanada",
            title_keywords="growth",
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    icp = IdealCustomerProfile.objects.get()
    assert icp.industries == ["computer software", "internet"]
    assert icp.job_title_levels == ["vp", "director"]
    assert icp.countries == ["united states", "canada"]


def test_an_unknown_industry_is_refused_with_suggestions_and_nothing_is_saved(client, superuser):
    client.force_login(superuser)
    response = client.post(ICP_ADD, icp_form(industries="saas"))
    assert response.status_code == 200
    assert (
        b"&#x27;saas&#x27; is not a PDL industry; did you mean: computer software, internet, "
        b"information technology and services?"
    ) in response.content
    assert not IdealCustomerProfile.objects.exists()


def test_an_industry_with_commas_survives_one_per_line(client, superuser):
    client.force_login(superuser)
    client.post(ICP_ADD, icp_form(industries="glass, ceramics & concrete\nleisure, travel, & tourism"))
    assert IdealCustomerProfile.objects.get().industries == ["glass, ceramics & concrete", "leisure, travel, & tourism"]


def test_the_icp_page_shows_the_query_pdl_will_get(client, superuser):
    icp = IdealCustomerProfile.objects.create(name="x", industries=["computer software"], exclude_companies=["acme"])
    make_prospect(1, icp=icp)
    make_prospect(2)  # found for another profile: not this query's concern
    client.force_login(superuser)
    page = client.get(reverse("admin:prospects_idealcustomerprofile_change", args=[icp.pk])).content.decode()
    assert "&quot;job_company_industry&quot;: [" in page
    assert "&quot;size&quot;: 100" in page
    assert "&quot;job_company_name&quot;" in page
    assert "excludes the 1 most recently stored people" in page


def test_the_prospect_list_shows_the_columns_and_filters(client, superuser):
    make_prospect(1, score=85)
    make_prospect(2, score=40, status="disqualified", company_industry="retail")
    client.force_login(superuser)
    page = client.get(CHANGELIST)
    assert page.status_code == 200
    for column in (
        b"column-full_name",
        b"column-job_title",
        b"column-company_name",
        b"column-company_industry",
        b"column-company_size",
        b"column-location_country",
        b"column-score",
        b"column-status",
    ):
        assert column in page.content
    assert client.get(CHANGELIST, {"score_band": "80+"}).context["cl"].result_count == 1
    assert client.get(CHANGELIST, {"status__exact": "disqualified"}).context["cl"].result_count == 1
    assert client.get(CHANGELIST, {"company_industry": "retail"}).context["cl"].result_count == 1
    assert client.get(CHANGELIST, {"q": "company 2"}).context["cl"].result_count == 1
    assert client.get(CHANGELIST, {"q": "p1@x.example"}).context["cl"].result_count == 1


def test_a_prospect_is_read_only_and_hostile_data_is_shown_escaped(client, superuser):
    p = make_prospect(1, job_title="<script>alert(1)</script>", raw={"id": "p1", "bio": "<img src=x onerror=alert(2)>"})
    client.force_login(superuser)
    page = client.get(reverse("admin:prospects_prospect_change", args=[p.pk])).content
    assert b"<script>alert(1)" not in page and b"&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert b"<img src=x" not in page
    assert b"<td>industry</td><td>25</td>" in page
    assert b'name="_save"' not in page
    assert client.get(reverse("admin:prospects_prospect_add")).status_code == 403


def test_csv_export_has_the_selected_prospects_and_defuses_formulas(client, superuser):
    a = make_prospect(1, company_name='=HYPERLINK("http://evil")')
    make_prospect(2)
    client.force_login(superuser)
    response = client.post(CHANGELIST, {"action": "export_csv", "_selected_action": [a.pk]})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["pdl_id"] for r in rows] == ["p1"]
    assert rows[0]["company_name"].startswith("'=")
    assert rows[0]["email"] == "p1@x.example"


def test_hostile_records_from_the_source_are_stored_as_received_and_shown_escaped(client, superuser, settings):
    from prospects.discovery import prospects_discover

    settings.PDL_API_KEY = ""
    prospects_discover(icp=IdealCustomerProfile.objects.create(name="all"), limit=1000, credit_ceiling=1000)
    hostile = Prospect.objects.get(job_title__contains="<script>")
    assert hostile.raw["job_title"] == "<script>alert('x')</script> head of growth"
    client.force_login(superuser)
    listing = f"{CHANGELIST}?q={hostile.full_name.replace(' ', '+')}"
    for url in (listing, reverse("admin:prospects_prospect_change", args=[hostile.pk])):
        content = client.get(url).content.decode()
        assert "<script>alert(" not in content and "&lt;script&gt;alert(" in content
