import io
import json

import pytest
import responses
from django.core.management import CommandError, call_command
from django.db import connection

from jobs.models import QueueJob
from outreach.models import OutreachEmail
from prospects.models import Prospect

from .pdl_fakes import API_KEY

pytestmark = pytest.mark.django_db

SEED_KEYS = {"prospectsDiscovered", "prospectsScored", "prospectsQueued", "emailsGenerated", "dailyLimit", "errors",
             "executionTime"}  # fmt: skip


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("run_prospect_queue", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def row_counts():
    with connection.cursor() as cursor:
        tables = [t for t in connection.introspection.table_names(cursor) if t != "django_cache"]
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def test_json_prints_a_parseable_result_and_nothing_else(sample_campaign):
    out, _ = run("--json")
    result = json.loads(out)
    assert SEED_KEYS <= set(result)
    assert result["prospectsQueued"] == 50 == OutreachEmail.objects.count()
    job = QueueJob.objects.get()
    assert (job.trigger, job.status, job.result) == ("command", "completed", result)


def test_the_summary_is_readable_and_progress_goes_to_stderr(sample_campaign):
    out, err = run("--limit", "5")
    assert "Sample campaign: 5 queued now, 5/50 today" in out
    assert "Review the drafts at http://127.0.0.1:8000/admin/outreach/outreachemail/" in out
    assert "5/5 queued" in err and "discovered" in err


def test_campaign_selects_one_and_an_unknown_name_is_a_clear_error(sample_campaign):
    with pytest.raises(CommandError, match=r"There is no campaign named 'Nope' \(campaigns: Sample campaign\)"):
        run("--campaign", "Nope")
    run("--campaign", "Sample campaign", "--limit", "2")
    assert OutreachEmail.objects.count() == 2


def test_dry_run_makes_no_http_request_and_writes_no_row(sample_campaign, settings):
    settings.PDL_API_KEY = API_KEY  # PDL configured: a real run would call it
    before = row_counts()
    with responses.RequestsMock() as rsps:  # nothing registered: any request would fail
        out, _ = run("--dry-run")
        assert len(rsps.calls) == 0
    assert row_counts() == before
    assert "would queue 50 (0 from stored prospects, up to 50 to discover)" in out
    assert '"job_company_industry"' in out
    plan = json.loads(run("--dry-run", "--json")[0])
    assert plan["campaigns"][0]["pdlQuery"]["query"]["bool"]["must"]
    assert not Prospect.objects.exists() and not QueueJob.objects.exists()


def test_a_broken_source_is_reported_as_the_campaigns_error(sample_campaign, settings, tmp_path):
    settings.PROSPECT_SAMPLE_FILE = str(tmp_path / "missing.json")
    out, _ = run("--json")  # the run completes; the campaign's error says what to fix
    assert "does not exist" in json.loads(out)["errors"][0]


def test_a_failed_run_exits_non_zero_with_its_error(sample_campaign, fake_openai):
    fake_openai.always = 401
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"The run failed: .*OpenAI rejected the API key \(401\)"):
        call_command("run_prospect_queue", "--json", stdout=out, stderr=io.StringIO())
    assert json.loads(out.getvalue())["prospectsQueued"] == 0  # the partial result is still printed
