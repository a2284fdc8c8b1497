import pytest
from django.db import OperationalError


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_ok(client, settings):
    response = client.get("/readyz")
    body = response.json()
    if settings.CELERY_BROKER_URL:
        assert body["checks"]["broker"] in ("ok", "down")
    else:
        assert response.status_code == 200 and body["checks"] == {"database": "ok", "broker": "eager"}


@pytest.mark.django_db
def test_readyz_names_what_is_down(client, monkeypatch):
    from threatmodel import health

    monkeypatch.setattr(health, "_check_database", lambda: "OperationalError: connection refused")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["down"] == ["database"]


@pytest.mark.django_db
def test_broker_down_is_reported(client, settings, monkeypatch):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 503 and "broker" in response.json()["down"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/api/v1/systems/"])
def test_database_down_gives_a_short_503(monkeypatch, owner, path):
    from django.db import connection
    from django.test import Client

    client = Client(raise_request_exception=False)
    client.force_login(owner)

    def down(*args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(connection, "cursor", down)
    response = client.get(path)
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert b"database" in response.content and b"Traceback" not in response.content


@pytest.mark.django_db
def test_readyz_details_only_to_staff_or_loopback(client, monkeypatch, django_user_model):
    from threatmodel import health

    monkeypatch.setattr(health, "_check_database", lambda: "OperationalError: host db.internal:5432 refused")
    remote = client.get("/readyz", REMOTE_ADDR="203.0.113.5")
    assert remote.status_code == 503 and remote.json() == {"status": "unavailable"}
    proxied = client.get("/readyz", HTTP_X_FORWARDED_FOR="203.0.113.5")  # loopback peer, but a proxy in front
    assert proxied.json() == {"status": "unavailable"}
    assert "errors" in client.get("/readyz").json()  # a probe on the same host
    staff = django_user_model.objects.create_user("ops", password="x-long-enough-1", is_staff=True)
    client.force_login(staff)
    assert "db.internal" in client.get("/readyz", REMOTE_ADDR="203.0.113.5").json()["errors"]["database"]
