from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "outreach"

    def ready(self):
        from jobs.daily import DAILY_JOB_TYPE
        from jobs.registry import register
        from prospects.pdl import PDLUnavailable

        from .pipeline import daily_prospect_queue

        # PDL down after its own retries: the whole job is retried later and resumes.
        register(DAILY_JOB_TYPE, daily_prospect_queue, retry_on=(PDLUnavailable,), lease_seconds=120)
