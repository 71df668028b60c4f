import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand

GRACE_SECONDS = 30


class Command(BaseCommand):
    help = "Run the web server and the qcluster worker together; Ctrl-C stops both."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, **options):
        manage = [sys.executable, "manage.py"]
        # Own process groups: we decide how they stop, and can stop a cluster's children too.
        children = {
            "web": subprocess.Popen([*manage, "runserver", "--noreload", options["addrport"]], start_new_session=True),
            "worker": subprocess.Popen([*manage, "qcluster"], start_new_session=True),
        }
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        self.stdout.write(f"Web server on http://{options['addrport']}/ and the qcluster worker are running.")
        while not stopping and all(child.poll() is None for child in children.values()):
            time.sleep(0.2)
        for name, child in children.items():
            if child.poll() is not None and not stopping:
                self.stderr.write(f"The {name} process exited ({child.returncode}); stopping the other.")
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for name, child in children.items():
            try:
                child.wait(timeout=GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                # A job still running is recovered from its lease by the next worker.
                self.stderr.write(f"The {name} process did not stop within {GRACE_SECONDS} s; killing it.")
            try:
                os.killpg(child.pid, signal.SIGKILL)  # and anything it left behind
            except ProcessLookupError:
                pass
            child.wait()
        self.stdout.write("Stopped the web server and the worker.")
