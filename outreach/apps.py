from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "outreach"

    def ready(self):
        from jobs.daily import DAILY_JOB_TYPE
        from jobs.registry import register
        from jobs.schedules import register_schedule
        from prospects.pdl import PDLUnavailable

        from . import checks  # noqa: F401  (registers the system checks)
        from .pipeline import daily_prospect_queue

        # PDL down after its own retries: the whole job is retried later and resumes.
        register(DAILY_JOB_TYPE, daily_prospect_queue, retry_on=(PDLUnavailable,), lease_seconds=120)
        # Approved emails that are due (retries, tomorrow's share of the cap, the window opening).
        register_schedule(name="send approved emails", func="outreach.tasks.send_due", minutes=1)
