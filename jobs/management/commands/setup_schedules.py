from django.conf import settings
from django.core.management.base import BaseCommand
from django_q.models import Schedule

from jobs.schedules import schedules_setup


class Command(BaseCommand):
    help = "Create or update the django-q2 schedules (idempotent; safe to run on every deploy)."

    def handle(self, *args, **options):
        for name, outcome in schedules_setup():
            schedule = Schedule.objects.get(name=name)
            self.stdout.write(f"{outcome:9} {name}: next run {schedule.next_run:%Y-%m-%d %H:%M %Z}")
        self.stdout.write(f"Times are stored in UTC; cron runs in {settings.TIME_ZONE}.")
