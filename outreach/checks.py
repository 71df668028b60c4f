"""Settings that sending cannot do without, reported by `manage.py check` and at startup."""

from django.conf import settings
from django.core.checks import Warning, register


@register()
def sending_settings(app_configs, **kwargs):
    from .sending import Window, sender_problem

    problems = []
    if not settings.OUTREACH_POSTAL_ADDRESS.strip():
        problems.append(
            Warning(
                "OUTREACH_POSTAL_ADDRESS is not set, so no email will be sent.",
                hint="Set it to the sender's mailing address: every commercial email must carry it (CASL, CAN-SPAM).",
                id="outreach.W001",
            )
        )
    problem = sender_problem(settings.DEFAULT_FROM_EMAIL)
    if problem:
        problems.append(
            Warning(
                f"DEFAULT_FROM_EMAIL: {problem}.",
                hint="Campaigns without a sender address send from DEFAULT_FROM_EMAIL; set it to a real address.",
                id="outreach.W002",
            )
        )
    try:
        Window.from_settings()
    except ValueError as exc:
        from django.core.checks import Error

        problems.append(Error(str(exc), id="outreach.E001"))
    return problems
