"""Hardened defaults: headers, CSP without inline code, login throttling, secrets at rest."""

import pytest
from django.urls import reverse

from threatmodel import crypto


@pytest.mark.django_db
def test_security_headers_on_pages(client):
    response = client.get(reverse("login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp


@pytest.mark.django_db
def test_login_lockout_after_repeated_failures(client, settings, owner):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post(reverse("login"), {"username": owner.username, "password": "wrong-password"})
    response = client.post(reverse("login"), {"username": owner.username, "password": "correct-horse-battery-staple"})
    assert response.status_code == 429
    assert b"Too many failed log-in attempts" in response.content


@pytest.mark.django_db
def test_authenticated_pages_and_api_are_not_stored(client, team, owner):
    from threatmodel import services

    client.force_login(owner)
    for path in ["/", f"/teams/{team.slug}/settings/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert {"private", "no-store"} <= {p.strip() for p in response["Cache-Control"].split(",")}, path
    client.logout()
    _, raw = services.api_token_create(actor=owner, team=team, user=owner, name="t", scopes=["read"])
    for headers in ({}, {"HTTP_AUTHORIZATION": f"Bearer {raw}"}):
        response = client.get("/api/v1/systems/", **headers)
        assert "no-store" in response["Cache-Control"]


def test_secrets_round_trip_and_are_not_plaintext():
    token = crypto.encrypt("whsec_abc")
    assert "whsec_abc" not in token and crypto.decrypt(token) == "whsec_abc"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt("not-a-token")
