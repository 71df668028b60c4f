import pytest
from django.core.exceptions import ValidationError

from prospects import taxonomy
from prospects.models import IdealCustomerProfile

VOCABULARIES = [
    (taxonomy.INDUSTRY_SYNONYMS, taxonomy.industries()),
    (taxonomy.LEVEL_SYNONYMS, taxonomy.job_title_levels()),
    (taxonomy.ROLE_SYNONYMS, taxonomy.job_title_roles()),
    (taxonomy.SIZE_SYNONYMS, frozenset(taxonomy.company_sizes())),
]


@pytest.mark.parametrize("synonyms, canonical", VOCABULARIES)
def test_every_synonym_maps_to_canonical_values(synonyms, canonical):
    for word, values in synonyms.items():
        assert values, word
        assert set(values) <= canonical, (word, set(values) - canonical)


def test_the_canonical_lists_are_pdls():
    assert len(taxonomy.industries()) == 147 + 2  # the file, plus the second spelling of each ambiguous pair
    assert "computer software" in taxonomy.industries()
    assert taxonomy.company_sizes()[0] == "1-10" and taxonomy.company_sizes()[-1] == "10001+"
    assert "cxo" in taxonomy.job_title_levels()
    assert "human_resources" in taxonomy.job_title_roles()


def test_an_unknown_industry_is_refused_with_the_closest_canonical_values():
    valid, errors = taxonomy.INDUSTRY.validate(["saas"])
    assert valid == []
    assert errors == [
        "'saas' is not a PDL industry; did you mean: computer software, internet, information technology and services?"
    ]


def test_a_misspelt_industry_gets_spelling_suggestions():
    _, errors = taxonomy.INDUSTRY.validate(["computer sofware"])
    assert errors[0].startswith("'computer sofware' is not a PDL industry; did you mean: computer software")


def test_nonsense_gets_told_where_the_list_is():
    _, errors = taxonomy.INDUSTRY.validate(["zzzzqqqq"])
    assert "prospects/data/" in errors[0]


@pytest.mark.parametrize("pair", taxonomy.INDUSTRY_SPELLINGS)
def test_both_spellings_of_an_ambiguous_industry_validate_and_are_one_industry(pair):
    for spelling in pair:
        assert taxonomy.INDUSTRY.validate([spelling]) == ([spelling], [])
        assert set(taxonomy.industry_spellings(spelling)) == set(pair)
    assert taxonomy.canonical_industry(pair[0]) == taxonomy.canonical_industry(pair[1])


def test_values_are_normalised_to_pdls_lowercase_and_deduplicated():
    assert taxonomy.INDUSTRY.validate(["  Computer   Software ", "computer software"]) == (["computer software"], [])


def test_level_role_and_size_shorthands_are_refused_with_the_canonical_value():
    assert taxonomy.LEVEL.validate(["C-Suite"])[1] == ["'C-Suite' is not a PDL job title level; did you mean: cxo?"]
    assert "human_resources" in taxonomy.ROLE.validate(["HR"])[1][0]
    assert "1001-5000, 5001-10000, 10001+" in taxonomy.SIZE.validate(["enterprise"])[1][0]


def test_country_codes_are_refused_with_the_name_pdl_uses():
    valid, errors = taxonomy.validate_countries(["USA", "Canada", "xx"])
    assert valid == ["canada"]
    assert errors[0] == "'USA' is not how PDL writes a country; did you mean: united states?"
    assert "in full" in errors[1]


@pytest.mark.django_db
def test_the_icp_model_validates_every_list_and_keeps_nothing_half_fixed():
    icp = IdealCustomerProfile(name="x", industries=["saas"], job_title_levels=["vp"], countries=["uk"])
    with pytest.raises(ValidationError) as caught:
        icp.full_clean()
    assert set(caught.value.message_dict) == {"industries", "countries"}
    good = IdealCustomerProfile(name="y", industries=["Internet"], title_keywords=[" Growth ", "growth"])
    good.full_clean()
    assert (good.industries, good.title_keywords) == (["internet"], ["growth"])
