"""Settings for the test suite and for the worker subprocesses it starts.

It is config.settings plus the test-only job handlers (tests/handlers.py) and a
file-backed SQLite test database that a `qcluster` subprocess can open too.
"""

import os

os.environ.setdefault("DJANGO_ENV_FILE", "")  # a developer's .env must not leak into tests
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("CRON_SECRET", "test-cron-secret")

from config.settings import *  # noqa: E402,F403
from config.settings import DATABASES, INSTALLED_APPS, VAR_DIR  # noqa: E402

INSTALLED_APPS = [*INSTALLED_APPS, "tests.apps.TestSupportConfig"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PDL_RETRY_BACKOFF = 0.01  # the retries still happen, without the wait
