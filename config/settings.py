"""The one settings module: everything comes from the environment (or `.env`).

It runs with no environment at all on SQLite; `.env.example` lists every variable.
"""

import os
import secrets
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# DJANGO_ENV_FILE="" turns `.env` off (the test suite does, so a developer's .env
# cannot change what the tests see).
_env_file = os.environ.get("DJANGO_ENV_FILE", str(BASE_DIR / ".env"))
if _env_file and Path(_env_file).is_file():
    env.read_env(_env_file)

DEBUG = env.bool("DJANGO_DEBUG", default=False)


def _development_secret_key() -> str:
    """A key generated once into var/ so the web process and every worker share it.

    django-q2 signs task payloads with SECRET_KEY: a key made afresh per process
    would make every task fail with BadSignature.
    """
    path = VAR_DIR / "dev-secret-key"
    if not path.exists():
        VAR_DIR.mkdir(exist_ok=True)
        # Write aside, then link into place: a reader never sees a half-written key,
        # and of two processes racing here exactly one key wins.
        tmp = VAR_DIR / f".dev-secret-key.{os.getpid()}"
        tmp.write_text(secrets.token_urlsafe(50))
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random string, "
            "or set DJANGO_DEBUG=true for local development (make run does)."
        )
    SECRET_KEY = _development_secret_key()

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_q",
    "jobs",
    "prospects",
    "outreach",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# An empty DATABASE_URL (as .env.example leaves it) means the default SQLite file.
DATABASE_URL = env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock when a transaction starts, so the web process
    # and the qcluster workers queue for it instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})

# A cache shared between processes: the qcluster heartbeat lives here and /healthz reads it.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "django_cache",
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="America/Toronto")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"

# --- The job queue ---------------------------------------------------------
PROSPECT_QUEUE_CRON = env.str("PROSPECT_QUEUE_CRON", default="0 8 * * *")
CRON_SECRET = env.str("CRON_SECRET", default="")

# How long one attempt of a job may run before django-q2 stops it (seconds).
JOB_TIMEOUT = 1800
Q_WORKERS = 2

Q_CLUSTER = {
    "name": "outreach",  # the signing salt and queue name: the same in every process
    "orm": "default",
    "workers": Q_WORKERS,
    "timeout": JOB_TIMEOUT,
    # A task may wait behind one long task in the in-memory queue (queue_limit ==
    # workers), so redelivery must wait longer than two timeouts.
    "retry": 2 * JOB_TIMEOUT + 120,
    "queue_limit": Q_WORKERS,
    # QueueJob owns retries: django-q2 runs a task once and keeps its failure.
    "max_attempts": 1,
    "ack_failures": True,
    "catch_up": False,
    "time_zone": TIME_ZONE,
    "save_limit": 500,
    "guard_cycle": 0.5,
    "poll": 1,
    "label": "Task queue",
}

# --- Logging: every job event goes to stderr with its id and type ----------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "loggers": {
        "jobs": {"handlers": ["console"], "level": "INFO"},
        "prospects": {"handlers": ["console"], "level": "INFO"},
        "outreach": {"handlers": ["console"], "level": "INFO"},
        "django_q": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# --- Prospect discovery ----------------------------------------------------
PDL_API_KEY = env.str("PDL_API_KEY", default="")
PDL_BASE_URL = env.str("PDL_BASE_URL", default="https://api.peopledatalabs.com/v5")
# The offline source used when PDL_API_KEY is empty (default: the bundled sample).
PROSPECT_SAMPLE_FILE = env.str("PROSPECT_SAMPLE_FILE", default="")
# PDL bills a credit per record returned: one run never buys more than this.
PDL_CREDITS_PER_RUN = env.int("PDL_CREDITS_PER_RUN", default=150)
PDL_RETRY_BACKOFF = 2.0  # seconds before the first retry of a 429/5xx/timeout; doubles each time

# --- Email generation -------------------------------------------------------
# Empty OPENAI_API_KEY: drafts come from each campaign's template.
OPENAI_API_KEY = env.str("OPENAI_API_KEY", default="")
OPENAI_BASE_URL = env.str("OPENAI_BASE_URL", default="")  # empty: OpenAI's own
OPENAI_MODEL = env.str("OPENAI_MODEL", default="gpt-4o-mini")
OPENAI_TIMEOUT = 30.0  # seconds per request
OPENAI_MAX_RETRIES = 2  # the client's own retries of 429, 5xx and timeouts, with backoff
OUTREACH_LLM_CONCURRENCY = env.int("OUTREACH_LLM_CONCURRENCY", default=8)

# --- Mail ---------------------------------------------------------------
EMAIL_URL = env.str("EMAIL_URL", default="") or ("filemail://var/outbox" if DEBUG else "consolemail://")
if EMAIL_URL.startswith("filemail://"):
    # django-environ reads "filemail://var/outbox" as host "var", path "outbox": read the path ourselves.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(BASE_DIR / EMAIL_URL.removeprefix("filemail://"))
else:
    vars().update(env.email_url_config(EMAIL_URL))
if EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend":  # noqa: F821 (set just above)
    # The same backend, recording whether a failure came after the message was handed over.
    EMAIL_BACKEND = "outreach.smtp.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="outreach@localhost")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# --- Sending ---------------------------------------------------------------
OUTREACH_SEND_WINDOW = env.str("OUTREACH_SEND_WINDOW", default="09:00-17:00")
OUTREACH_SEND_DAYS = env.str("OUTREACH_SEND_DAYS", default="mon-fri")
OUTREACH_DAILY_SEND_LIMIT = env.int("OUTREACH_DAILY_SEND_LIMIT", default=50)
OUTREACH_POSTAL_ADDRESS = env.str("OUTREACH_POSTAL_ADDRESS", default="")
# Stops all sending at once, whatever the admin switch says.
OUTREACH_SENDING_PAUSED = env.bool("OUTREACH_SENDING_PAUSED", default=False)
OUTREACH_SEND_MAX_ATTEMPTS = 7  # 1 min, 5, 15, 1 h, 3 h, 6 h apart: about ten hours in all
# An email in `sending` for longer than this: its worker died mid-send.
OUTREACH_SENDING_LEASE_SECONDS = 300
EMAIL_TIMEOUT = 20
