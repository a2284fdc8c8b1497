"""A base_url that is not an http(s) URL (or whose host cannot be encoded) is a 400 naming base_url, never a 500."""

import pytest

from threatmodel.models import Role

from ..factories import TeamFactory, member

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("base_url", ["\u00ea\u00b34\u0098\u0007\u008d\u00ef\udb09\ude62", "not a url", "ftp://x.org"])
def test_a_connector_with_a_bad_base_url_is_a_400(client, base_url):
    team = TeamFactory()
    client.force_login(member(team, Role.OWNER))
    body = {"team": team.slug, "kind": "github", "base_url": base_url, "repository": "acme/x", "token": "t" * 20,
            "webhook_secret": "s" * 20}
    response = client.post("/api/v1/connectors/", data=body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert "base_url" in response.json()["errors"]


def test_a_post_to_an_unknown_api_path_with_a_session_is_a_problem_404(client):
    team = TeamFactory()
    client = type(client)(enforce_csrf_checks=True)
    client.force_login(member(team, Role.OWNER))
    response = client.post("/api/v1/teams/no%20such/dpos/", data={}, content_type="application/json")
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"


def test_a_connector_created_inactive_stays_inactive(client, fake_github):
    team = TeamFactory()
    client.force_login(member(team, Role.OWNER))
    body = {"team": team.slug, "kind": "github", "base_url": fake_github.url, "repository": "acme/x",
            "token": "t" * 20, "active": False}
    response = client.post("/api/v1/connectors/", data=body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["active"] is False
