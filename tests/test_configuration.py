"""The settings hold the django-q2 traps shut and run with nothing configured."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection
from django_q.conf import Conf

from .conftest import BASE_DIR


def test_django_q_reads_the_intended_settings():
    # Conf silently ignores misspelt keys, so check what it actually read.
    assert Conf.TIMEOUT == settings.JOB_TIMEOUT and isinstance(Conf.TIMEOUT, int)
    assert Conf.RETRY > 2 * Conf.TIMEOUT  # a task waiting behind a long one is not redelivered
    assert Conf.MAX_ATTEMPTS == 1  # QueueJob owns retries
    assert Conf.ACK_FAILURES is True  # a failed task is not redelivered forever
    assert Conf.QUEUE_LIMIT == Conf.WORKERS
    assert Conf.TIME_ZONE == settings.TIME_ZONE == "America/Toronto"
    assert Conf.ORM == "default"
    assert Conf.CATCH_UP is False


def test_the_cache_is_shared_between_processes():
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")
def test_sqlite_takes_the_write_lock_when_a_transaction_starts():
    assert settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def print_setting(name, env):
    return manage("shell", "--no-imports", "-c", f"from django.conf import settings; print(settings.{name})", env=env)


def test_the_quickstart_env_file_runs_with_no_other_environment():
    result = manage("check", env={"DJANGO_ENV_FILE": str(BASE_DIR / ".env.example")})
    assert result.returncode == 0, result.stderr
    # Runs, and says up front that nothing will be sent until the postal address is set.
    assert "outreach.W001" in result.stderr + result.stdout


def test_the_development_secret_key_is_the_same_in_every_process():
    env = {"DJANGO_ENV_FILE": "", "DJANGO_DEBUG": "true"}
    keys = {print_setting("SECRET_KEY", env).stdout.strip() for _ in range(2)}
    assert len(keys) == 1 and len(keys.pop()) > 40


def test_without_debug_a_missing_secret_key_is_a_clear_error():
    result = print_setting("SECRET_KEY", {"DJANGO_ENV_FILE": ""})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_database_url_selects_postgresql_with_psycopg3():
    result = print_setting(
        "DATABASES['default']['ENGINE']",
        {"DJANGO_ENV_FILE": "", "DJANGO_DEBUG": "true", "DATABASE_URL": "postgres://u:p@127.0.0.1:5432/x"},
    )
    assert result.stdout.strip() == "django.db.backends.postgresql", result.stderr
    import psycopg  # noqa: F401  (the driver Django's backend will load)
