from django.core.management.base import BaseCommand

from jobs.daily import daily_job_enqueue


class Command(BaseCommand):
    help = "Enqueue today's daily prospect-queue job (once per local day) and print its id."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Enqueue another run even if today's exists.")

    def handle(self, *args, **options):
        job, created = daily_job_enqueue(trigger="command", force=options["force"])
        note = "enqueued" if created else f"already enqueued for today ({job.status})"
        self.stderr.write(f"Daily prospect queue job {note}.")
        self.stdout.write(str(job.id))
