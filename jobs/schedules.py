"""The django-q2 schedules this project runs, created idempotently by name."""

from django.conf import settings
from django_q.models import Schedule

# Schedules other apps add (jobs imports none of them): name -> definition.
_extra: dict[str, dict] = {}


def register_schedule(*, name: str, func: str, minutes: int) -> None:
    _extra[name] = {"name": name, "func": func, "schedule_type": Schedule.MINUTES, "minutes": minutes}


def schedule_definitions() -> list[dict]:
    return [*_own_definitions(), *_extra.values()]


def _own_definitions() -> list[dict]:
    return [
        {
            "name": "daily prospect queue",
            "func": "jobs.tasks.enqueue_daily",
            "schedule_type": Schedule.CRON,
            "cron": settings.PROSPECT_QUEUE_CRON,
        },
        {
            "name": "dispatch due jobs",
            "func": "jobs.tasks.dispatch_due",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
        },
        {
            "name": "recover expired jobs",
            "func": "jobs.tasks.recover_expired",
            "schedule_type": Schedule.MINUTES,
            "minutes": 3,
        },
    ]


def schedules_setup() -> list[tuple[str, str]]:
    """Create or update each schedule; returns (name, "created"|"updated"|"unchanged").

    `Schedule.name` is not unique in django-q2, so duplicates left by hand are
    removed here. A changed cron expression gets its next run recomputed, since
    django-q2 only computes it when a cron schedule is first saved.
    """
    outcomes = []
    for definition in schedule_definitions():
        name = definition["name"]
        existing = list(Schedule.objects.filter(name=name).order_by("id"))
        for extra in existing[1:]:
            extra.delete()
        if not existing:
            Schedule.objects.create(repeats=-1, **definition)
            outcomes.append((name, "created"))
            continue
        schedule = existing[0]
        changed = [key for key, value in definition.items() if getattr(schedule, key) != value]
        if not changed and schedule.repeats == -1:
            outcomes.append((name, "unchanged"))
            continue
        for key in changed:
            setattr(schedule, key, definition[key])
        schedule.repeats = -1
        if schedule.schedule_type == Schedule.CRON and "cron" in changed:
            schedule.next_run = schedule.calculate_next_run()
        schedule.save()
        outcomes.append((name, "updated"))
    return outcomes
