"""API contract of the modeling domain: tokens, scoping, ETag/If-Match, idempotency, delta sync."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from threatmodel import services
from threatmodel.models import AISystem, Component, Role

from ..factories import make_component, make_system, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    def _client(raw_token=None):
        client = APIClient()
        if raw_token:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_token}")
        return client

    return _client


@pytest.fixture
def write_token(team, owner):
    return services.api_token_create(actor=owner, team=team, user=owner, name="rw", scopes=["read", "write"])[1]


@pytest.fixture
def read_token(team, owner):
    return services.api_token_create(actor=owner, team=team, user=owner, name="ro", scopes=["read"])[1]


def test_anonymous_gets_problem_json_401(api):
    response = api().get("/api/v1/systems/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 401 and body["title"] and "detail" in body


def test_create_and_read_with_token(api, write_token, team):
    client = api(write_token)
    response = client.post("/api/v1/systems/", {"name": "Chatbot", "answers": {"internet_facing": True}},
                           format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["ETag"] == '"1"' and body["team"] == team.slug and body["answers"] == {"internet_facing": True}
    got = client.get(f"/api/v1/systems/{body['id']}/")
    assert got.status_code == 200 and got["ETag"] == '"1"'
    assert client.get(f"/api/v1/systems/{body['id']}/", HTTP_IF_NONE_MATCH='"1"').status_code == 304


def test_bad_answers_name_the_field(api, write_token):
    response = api(write_token).post("/api/v1/systems/", {"name": "X", "answers": {"sector": "space"}}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["errors"]["answers"][0].startswith("sector:")
    assert not AISystem.objects.exists()


def test_read_only_token_cannot_write(api, read_token):
    response = api(read_token).post("/api/v1/systems/", {"name": "X"}, format="json")
    assert response.status_code == 403 and "write" in response.json()["detail"]


def test_revoked_and_expired_tokens_are_refused(api, team, owner):
    token, raw = services.api_token_create(actor=owner, team=team, user=owner, name="t", scopes=["read"])
    services.api_token_revoke(actor=owner, token=token)
    assert api(raw).get("/api/v1/systems/").status_code == 401
    token, raw = services.api_token_create(actor=owner, team=team, user=owner, name="t2", scopes=["read"],
                                           expires_at=timezone.now() + timedelta(seconds=1))
    type(token).objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api(raw).get("/api/v1/systems/").status_code == 401


def test_other_team_objects_are_404(api, team, owner, other_team, outsider):
    system = make_system(team, owner)
    component = make_component(system, "input", actor=owner)
    _, raw = services.api_token_create(actor=outsider, team=other_team, user=outsider, name="x",
                                       scopes=["read", "write"])
    client = api(raw)
    for url in [f"/api/v1/systems/{system.pk}/", f"/api/v1/systems/{system.pk}/components/",
                f"/api/v1/components/{component.pk}/"]:
        assert client.get(url).status_code == 404, url
    assert client.patch(f"/api/v1/components/{component.pk}/", {"name": "x"}, format="json").status_code == 404
    assert client.get("/api/v1/systems/").json()["results"] == []


def test_stale_if_match_is_412_and_nothing_written(api, write_token, team, owner):
    system = make_system(team, owner)
    client = api(write_token)
    ok = client.patch(f"/api/v1/systems/{system.pk}/", {"name": "A"}, format="json", HTTP_IF_MATCH='"1"')
    assert ok.status_code == 200 and ok["ETag"] == '"2"'
    stale = client.patch(f"/api/v1/systems/{system.pk}/", {"name": "B"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412 and stale.json()["current_version"] == 2
    system.refresh_from_db()
    assert system.name == "A"


def test_idempotency_key_replay_conflict_and_reuse(api, write_token, team):
    client = api(write_token)
    body = {"name": "Once"}
    first = client.post("/api/v1/systems/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/systems/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert AISystem.objects.filter(name="Once").count() == 1
    other = client.post("/api/v1/systems/", {"name": "Different"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 422


def test_components_and_flows(api, write_token, team, owner):
    system = make_system(team, owner)
    client = api(write_token)
    a = client.post(f"/api/v1/systems/{system.pk}/components/", {
        "kind": "input", "name": "Chat", "answers": {"untrusted_content": True}}, format="json")
    b = client.post(f"/api/v1/systems/{system.pk}/components/", {"kind": "model", "name": "LLM"}, format="json")
    assert a.status_code == b.status_code == 201
    bad = client.post(f"/api/v1/systems/{system.pk}/components/", {
        "kind": "input", "name": "X", "answers": {"tool_access": True}}, format="json")
    assert bad.status_code == 400 and "tool_access" in bad.json()["errors"]["answers"][0]
    flow = client.post(f"/api/v1/systems/{system.pk}/flows/", {
        "source": a.json()["id"], "target": b.json()["id"], "answers": {"personal_data": True}}, format="json")
    assert flow.status_code == 201, flow.json()
    other_system = make_system(team, owner, name="Other")
    foreign = make_component(other_system, "output", actor=owner)
    bad_flow = client.post(f"/api/v1/systems/{system.pk}/flows/", {
        "source": a.json()["id"], "target": foreign.pk}, format="json")
    assert bad_flow.status_code == 400 and "target" in bad_flow.json()["errors"]
    deleted = client.delete(f"/api/v1/components/{a.json()['id']}/")
    assert deleted.status_code == 204
    stones = client.get("/api/v1/deletions/").json()["results"]
    assert {(s["object_type"], s["object_id"]) for s in stones} >= {("component", str(a.json()["id"])),
                                                                    ("flow", str(flow.json()["id"]))}


def test_delta_sync_walks_pages_without_gaps(api, read_token, team, owner):
    systems = [make_system(team, owner, name=f"S{i}") for i in range(7)]
    client = api(read_token)
    seen, url = [], "/api/v1/systems/?page_size=3"
    while url:
        page = client.get(url).json()
        seen += [s["id"] for s in page["results"]]
        if len(seen) == 3:  # an update between pages moves a row to the end, never loses it
            services.system_update(actor=owner, system=systems[0], name="S0 renamed")
        url = page["next"]
    assert set(seen) >= {s.pk for s in systems}
    since = AISystem.objects.get(pk=systems[0].pk).updated_at - timedelta(microseconds=1)
    delta = client.get("/api/v1/systems/", {"updated_after": since.isoformat()}).json()["results"]
    assert [s["name"] for s in delta] == ["S0 renamed"]


@pytest.mark.parametrize("query, field", [("page_size=0", "page_size"), ("page_size=100000", "page_size"),
                                          ("updated_after=yesterday", "updated_after"), ("cursor=%%%", "cursor")])
def test_bad_list_params_are_400(api, read_token, query, field):
    response = api(read_token).get(f"/api/v1/systems/?{query}")
    assert response.status_code == 400 and field in response.json()["errors"]


def test_unsupported_media_type(api, write_token):
    response = api(write_token).post("/api/v1/systems/", "name=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415


def test_session_needs_csrf(client, team, contributor):
    csrf_client = APIClient(enforce_csrf_checks=True)
    csrf_client.force_login(contributor)
    response = csrf_client.post("/api/v1/systems/", json.dumps({"name": "x", "team": team.slug}),
                                content_type="application/json")
    assert response.status_code == 403


def test_viewer_session_cannot_write(team, viewer):
    client = APIClient()
    client.force_login(viewer)
    assert client.post("/api/v1/systems/", {"name": "x"}, format="json").status_code == 403
    assert client.get("/api/v1/systems/").status_code == 200


def test_audit_events_are_read_only(api, write_token, team, owner):
    make_system(team, owner)
    client = api(write_token)
    events = client.get("/api/v1/audit-events/").json()["results"]
    assert events and all(e["team"] == team.slug for e in events)
    assert client.delete(f"/api/v1/audit-events/{events[0]['id']}/").status_code == 405
    assert Component.objects.count() == 0 and Role.OWNER == "owner"
    member(team, Role.VIEWER)
