import time

from django.core.management.base import BaseCommand

from outreach.sending import emails_send_due


class Command(BaseCommand):
    help = "Send the approved emails that are due (what the qcluster does every minute)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="One pass, then exit (default).")
        parser.add_argument("--loop", type=float, metavar="SECONDS", help="Keep sending, one pass every SECONDS.")

    def handle(self, *args, **options):
        while True:
            outcome = emails_send_due()
            self.stdout.write(", ".join(f"{k}: {v}" for k, v in sorted(outcome.items())) or "nothing due")
            if not options["loop"]:
                return
            time.sleep(options["loop"])
