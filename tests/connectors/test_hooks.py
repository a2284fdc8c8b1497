"""Inbound webhooks: verified by signature (GitHub X-Hub-Signature-256, Jira X-Hub-Signature), rejected
without one, and applied by the same rule as a pull."""

import hashlib
import hmac
import json

import pytest

from assessments.connectors.tickets import ticket_create
from assessments.models import ExternalRef

pytestmark = pytest.mark.django_db


def signed(secret: str, payload: dict) -> tuple[bytes, str]:
    body = json.dumps(payload).encode()
    return body, "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def github_event(number=1, state="closed", reason="completed", action="closed"):
    return {"action": action, "issue": {"number": number, "state": state, "state_reason": reason,
                                        "html_url": "https://github.example/acme/ml-platform/issues/1",
                                        "updated_at": "2030-01-01T10:00:00Z"},
            "repository": {"full_name": "acme/ml-platform"}}


def test_github_hook_applies_a_signed_event(client, owner, github, mitigation, fake_github):
    ticket_create(actor=owner, connector=github, target=mitigation)
    body, signature = signed("github-hook-secret", github_event())
    response = client.post(f"/hooks/github/{github.pk}/", body, content_type="application/json",
                           HTTP_X_HUB_SIGNATURE_256=signature, HTTP_X_GITHUB_EVENT="issues")
    assert response.status_code == 204
    mitigation.refresh_from_db()
    assert mitigation.status == "implemented"


@pytest.mark.parametrize("headers", [
    {},
    {"HTTP_X_HUB_SIGNATURE_256": "sha256=" + "0" * 64},
    {"HTTP_X_HUB_SIGNATURE_256": "sha1=abc"},
    {"HTTP_X_HUB_SIGNATURE": "sha256=whatever"},  # Jira's header is not GitHub's
])
def test_github_hook_without_a_valid_signature_is_rejected(client, owner, github, mitigation, fake_github, headers):
    ticket_create(actor=owner, connector=github, target=mitigation)
    body, _ = signed("github-hook-secret", github_event())
    response = client.post(f"/hooks/github/{github.pk}/", body, content_type="application/json",
                           HTTP_X_GITHUB_EVENT="issues", **headers)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    mitigation.refresh_from_db()
    assert mitigation.status == "proposed"


def test_a_body_signed_with_another_secret_is_rejected(client, owner, github, mitigation, fake_github):
    ticket_create(actor=owner, connector=github, target=mitigation)
    body, signature = signed("not-the-secret", github_event())
    response = client.post(f"/hooks/github/{github.pk}/", body, content_type="application/json",
                           HTTP_X_HUB_SIGNATURE_256=signature, HTTP_X_GITHUB_EVENT="issues")
    assert response.status_code == 401


def test_jira_hook_verifies_x_hub_signature_and_applies(client, owner, jira, mitigation, fake_jira):
    ticket_create(actor=owner, connector=jira, target=mitigation)
    payload = {"webhookEvent": "jira:issue_updated", "issue": {"id": "10001", "key": "SEC-1", "fields": {
        "status": {"name": "Done", "statusCategory": {"key": "done"}}, "resolution": {"name": "Won't Do"},
        "updated": "2030-01-01T10:00:00.000+0000"}}}
    body, signature = signed("jira-hook-secret", payload)
    unsigned = client.post(f"/hooks/jira/{jira.pk}/", body, content_type="application/json")
    assert unsigned.status_code == 401
    response = client.post(f"/hooks/jira/{jira.pk}/", body, content_type="application/json",
                           HTTP_X_HUB_SIGNATURE=signature)
    assert response.status_code == 204
    mitigation.refresh_from_db()
    assert mitigation.status == "rejected" and "Won't Do" in mitigation.status_reason


def test_jira_issue_deleted_marks_the_link_missing(client, owner, jira, mitigation, fake_jira):
    ticket_create(actor=owner, connector=jira, target=mitigation)
    body, signature = signed("jira-hook-secret", {"webhookEvent": "jira:issue_deleted",
                                                  "issue": {"id": "10001", "key": "SEC-1", "fields": {}}})
    response = client.post(f"/hooks/jira/{jira.pk}/", body, content_type="application/json",
                           HTTP_X_HUB_SIGNATURE=signature)
    assert response.status_code == 204
    assert ExternalRef.objects.get(mitigation=mitigation).missing_at is not None


def test_a_connector_without_a_secret_accepts_no_hook(client, owner, team, mitigation, fake_github):
    from assessments.connectors import services

    bare = services.connector_create(actor=owner, team=team, kind="github", base_url=fake_github.url,
                                     repository="acme/ml-platform", token="ghp_test_token_1")
    body, signature = signed("", github_event())
    response = client.post(f"/hooks/github/{bare.pk}/", body, content_type="application/json",
                           HTTP_X_HUB_SIGNATURE_256=signature, HTTP_X_GITHUB_EVENT="issues")
    assert response.status_code == 401
    assert client.post("/hooks/github/999999/", body, content_type="application/json").status_code == 404
    assert client.get(f"/hooks/github/{bare.pk}/").status_code == 405


def test_settings_page_adds_a_connector_and_links_from_team_settings(login, owner, contributor, team, fake_jira):
    from assessments.models import Connector

    page = login(owner).get(f"/teams/{team.slug}/settings/")
    assert f"/teams/{team.slug}/connectors/" in page.content.decode()
    response = login(owner).post(f"/teams/{team.slug}/connectors/", {
        "c-kind": "jira", "c-base_url": fake_jira.url, "c-project_key": "SEC", "c-username": "bot@example.com",
        "c-token": "jira-token-123", "c-webhook_secret": ""})
    assert response.status_code == 302
    connector = Connector.objects.get()
    listing = login(owner).get(f"/teams/{team.slug}/connectors/").content.decode()
    assert "jira-token-123" not in listing and f"/hooks/jira/{connector.pk}/" in listing
    bad = login(owner).post(f"/teams/{team.slug}/connectors/", {"c-kind": "jira", "c-base_url": fake_jira.url,
                                                               "c-token": "jira-token-123"})
    assert bad.status_code == 200 and "project_key" in bad.content.decode()
    assert login(contributor).get(f"/teams/{team.slug}/connectors/").status_code == 403
