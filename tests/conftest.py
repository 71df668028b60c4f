"""The shared cast and the guards every test runs under."""

import ipaddress
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission, User
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)


def _is_loopback(host) -> bool:
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Every test runs offline: a missing mock fails loudly instead of calling out."""
    real_connect, real_connect_ex, real_getaddrinfo = (
        socket.socket.connect,
        socket.socket.connect_ex,
        socket.getaddrinfo,
    )

    def check(sock, address):
        if sock.family == getattr(socket, "AF_UNIX", None):
            return
        if not _is_loopback(address[0]):
            raise RuntimeError(f"A test tried to reach the network ({address!r}); mock it.")

    def connect(sock, address):
        check(sock, address)
        return real_connect(sock, address)

    def connect_ex(sock, address):
        check(sock, address)
        return real_connect_ex(sock, address)

    def getaddrinfo(host, *args, **kwargs):
        if not _is_loopback(host):
            raise RuntimeError(f"A test tried to resolve {host!r}; mock it.")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def pytest_collection_modifyitems(config, items):
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL; runs in the DATABASE_URL=postgres://... pass")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


# --- actors -----------------------------------------------------------------


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@example.com", "pw")


@pytest.fixture
def operator(db):
    """Staff who may look at jobs, retry them and enqueue the daily job."""
    user = User.objects.create_user("operator", "op@example.com", "pw", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="jobs", codename__in=["view_queuejob", "retry_queuejob", "enqueue_queuejob"]
        )
    )
    return user


@pytest.fixture
def viewer(db):
    """Staff who may only look at jobs."""
    user = User.objects.create_user("viewer", "viewer@example.com", "pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(content_type__app_label="jobs", codename="view_queuejob"))
    return user


@pytest.fixture
def cron_auth(settings):
    settings.CRON_SECRET = "s3cret-cron-token"
    return {"HTTP_AUTHORIZATION": "Bearer s3cret-cron-token"}


# --- worker subprocesses ----------------------------------------------------


def _database_url() -> str:
    """The URL of the database this test run uses, for a subprocess to open."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker_env():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": _database_url(),
        "DJANGO_ENV_FILE": "",
        "PYTHONUNBUFFERED": "1",
    }
    return env


class Workers:
    """Starts manage.py subprocesses in their own process groups and always stops them."""

    def __init__(self, env, tmp_path):
        self.env = env
        self.tmp_path = tmp_path
        self.procs = []

    def start(self, *args, name="worker"):
        log = open(self.tmp_path / f"{name}-{len(self.procs)}.log", "wb")
        proc = subprocess.Popen(
            [sys.executable, str(BASE_DIR / "manage.py"), *args],
            cwd=BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        proc.log_path = log.name
        self.procs.append(proc)
        return proc

    def log(self, proc) -> str:
        return Path(proc.log_path).read_text(errors="replace")

    def kill(self, proc, sig=signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass

    def stop_all(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()  # the cluster's own shutdown stops its children
        deadline = time.monotonic() + 20
        for proc in self.procs:
            try:
                proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                self.kill(proc, signal.SIGKILL)
                proc.wait()
        for proc in self.procs:
            # qcluster's children share its process group; make sure none outlives the test.
            self.kill(proc, signal.SIGKILL)


@pytest.fixture
def workers(worker_env, tmp_path):
    manager = Workers(worker_env, tmp_path)
    yield manager
    manager.stop_all()


def wait_for(predicate, *, timeout: float, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


# --- the outreach cast ------------------------------------------------------


@pytest.fixture
def reviewer(db):
    """Staff in the Reviewers group (created by a migration), not a superuser."""
    import importlib

    from django.contrib.auth.models import Group

    if not Group.objects.filter(name="Reviewers").exists():
        # A transactional test before this one flushed the migration's rows: make them again, from its list.
        migration = importlib.import_module("outreach.migrations.0002_reviewers_group")
        group = Group.objects.create(name="Reviewers")
        for app_label, model, codename in migration.REVIEWER_PERMISSIONS:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, content_type__model=model, codename=codename)
            )
    user = User.objects.create_user("reviewer", "reviewer@example.com", "pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Reviewers"))
    return user


@pytest.fixture
def stranger(db):
    """Staff who may look at emails but not approve them."""
    user = User.objects.create_user("stranger", "stranger@example.com", "pw", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_outreachemail", "change_outreachemail", "view_campaign"])
    )
    return user


@pytest.fixture
def sample_campaign(db, settings):
    """The quickstart's campaign on the offline sample source (its ICP matches more than 50 people)."""
    from django.core.management import call_command

    from outreach.models import Campaign

    settings.PDL_API_KEY = ""
    settings.OPENAI_API_KEY = ""
    call_command("create_sample_campaign", stdout=open(os.devnull, "w"))
    return Campaign.objects.get()


@pytest.fixture
def fake_openai(settings, monkeypatch):
    """OpenAI configured, answered by tests/openai_fakes.FakeOpenAI through an injected transport."""
    from outreach.llm import OpenAIGenerator

    from .openai_fakes import FakeOpenAI

    settings.OPENAI_API_KEY = "sk-test-fake"
    fake = FakeOpenAI()
    real = OpenAIGenerator.from_settings.__func__
    monkeypatch.setattr(OpenAIGenerator, "from_settings", classmethod(lambda cls: real(cls, http_client=fake.client())))
    return fake


# --- sending --------------------------------------------------------------------


@pytest.fixture
def smtp(settings):
    """A real SMTP server on loopback, and settings that send to it, any day, any hour."""
    from .smtp_fakes import SMTPServer

    server = SMTPServer().start()
    settings.EMAIL_BACKEND = "outreach.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.OUTREACH_POSTAL_ADDRESS = "Example Co., 100 King St W, Toronto ON M5X 1A9, Canada"
    settings.OUTREACH_SEND_WINDOW, settings.OUTREACH_SEND_DAYS = "00:00-24:00", "mon-sun"
    settings.OUTREACH_SENDING_PAUSED = False
    settings.SITE_URL = "https://outreach.example"
    yield server
    server.stop()


@pytest.fixture
def approved_emails(db, reviewer):
    """make(n) → n approved emails to distinct people, from one campaign."""
    from outreach.models import Campaign, OutreachEmail
    from prospects.models import IdealCustomerProfile, Prospect

    icp = IdealCustomerProfile.objects.create(name="send test")
    campaign = Campaign.objects.create(
        name="Send test",
        icp=icp,
        sender_name="Sam Sender",
        sender_email="sam@sender.example",
        pitch="We make audits painless.",
    )
    made = []

    def make(count, status="approved", start=0):
        prospects = Prospect.objects.bulk_create(
            Prospect(
                pdl_id=f"s{i}",
                full_name=f"person {i}",
                email=f"person{i}@client{i}.example",
                company_name=f"client {i}",
                raw={},
                status="qualified",
            )
            for i in range(start, start + count)
        )
        emails = OutreachEmail.objects.bulk_create(
            OutreachEmail(
                prospect=p,
                campaign=campaign,
                subject=f"Hello {p.company_name}",
                body="Hi,\n\nA short, honest note about audits.\n\nSam",
                generated_by="template",
                status=status,
                reviewed_by=reviewer if status == "approved" else None,
            )
            for p in prospects
        )
        made.extend(emails)
        return emails

    make.campaign = campaign
    return make


@pytest.fixture(scope="session", autouse=True)
def _end_stray_test_database_sessions(django_db_setup, django_db_blocker):
    """The session-scoped live server's request threads can keep a connection to the
    PostgreSQL test database open, which stops it from being dropped at the end."""
    yield
    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
