import pytest
from django.db import OperationalError, connection

pytestmark = pytest.mark.django_db


def test_it_reports_the_database_up_and_no_worker_when_none_runs(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"]["ok"] is True
    assert body["worker"]["ok"] is False
    assert body["worker"]["clusters"] == 0
    assert "qcluster" in body["worker"]["hint"]


def test_it_answers_503_when_the_database_is_unreachable(client, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", unreachable)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == {"ok": False, "error": "OperationalError"}
