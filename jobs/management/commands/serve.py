import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the web server and the qcluster worker together; Ctrl-C stops both."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, **options):
        manage = [sys.executable, "manage.py"]
        children = {
            "web": subprocess.Popen([*manage, "runserver", "--noreload", options["addrport"]]),
            "worker": subprocess.Popen([*manage, "qcluster"]),
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
        for child in children.values():
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
        self.stdout.write("Stopped the web server and the worker.")
