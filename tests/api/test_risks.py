"""Contract of /api/v1/risks/: fields, filters, writes through the services, If-Match, transitions."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments import services as reg
from assessments.models import Risk
from threatmodel.models import AuditEvent, Role, Tombstone

from ..factories import make_system, member
from .conftest import bearer, make_token

pytestmark = pytest.mark.django_db

RISK_FIELDS = {"id", "system", "component", "template", "title", "description", "status", "status_reason", "stale",
               "why", "likelihood", "impact", "residual_likelihood", "residual_impact", "score", "band", "treatment",
               "owner", "due", "mappings", "mitigations", "external_refs", "version", "created_at", "updated_at"}
REF_FIELDS = {"tracker", "external_id", "key", "url", "remote_status", "remote_updated_at"}


def etag(response) -> str:
    return response["ETag"]


def test_fields_exactly_as_documented(client_rw, register):
    risk = register["risk"]
    reg.external_ref_set(actor=None, target=risk, tracker="jira", external_id="10001", key="SEC-1",
                         url="https://jira.example.invalid/browse/SEC-1", remote_status="To Do")
    body = client_rw.get(f"/api/v1/risks/{risk.pk}/").json()
    assert set(body) == RISK_FIELDS
    assert body["template"] is None and body["mappings"] == [{"framework": "NIST-AI-RMF", "ref": "MEASURE 2.7"}]
    assert body["mitigations"] == [register["mitigation"].pk]
    assert set(body["external_refs"][0]) == REF_FIELDS and body["external_refs"][0]["key"] == "SEC-1"
    assert body["score"] == 8 and body["band"] == "medium" and body["owner"] is None
    suggested = Risk.objects.filter(system=register["system"], template__isnull=False).first()
    body = client_rw.get(f"/api/v1/risks/{suggested.pk}/").json()
    assert body["template"] == suggested.template.ref and body["status"] == "suggested" and body["why"]
    assert {(m["framework"], m["ref"]) for m in body["mappings"]} == {
        (i.framework.key, i.ref) for i in suggested.template.mappings.all()}


def test_etag_and_not_modified(client_rw, register):
    risk = register["risk"]
    response = client_rw.get(f"/api/v1/risks/{risk.pk}/")
    assert etag(response) == f'"{risk.version}"'
    assert client_rw.get(f"/api/v1/risks/{risk.pk}/", HTTP_IF_NONE_MATCH=etag(response)).status_code == 304


def test_create_with_owner_mappings_and_refs(client_rw, register, team, owner, contributor):
    system = register["system"]
    component = system.components.first()
    response = client_rw.post("/api/v1/risks/", {
        "system": system.pk, "component": component.pk, "title": "Leaks other customers' orders", "likelihood": 3,
        "impact": 5, "owner": contributor.username, "due": "2031-05-31", "treatment": "mitigate",
        "mappings": [{"framework": "NIST-AI-RMF", "ref": "MEASURE 2.10"}],
        "external_refs": [{"tracker": "jira", "external_id": "10077", "key": "SEC-19"}]}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["Location"] == f"/api/v1/risks/{body['id']}/" and etag(response) == f'"{body["version"]}"'
    assert body["owner"] == contributor.username and body["status"] == "open" and body["component"] == component.pk
    assert body["external_refs"][0]["key"] == "SEC-19" and body["score"] == 15
    risk = Risk.objects.get(pk=body["id"])
    assert AuditEvent.objects.filter(object_id=str(risk.pk), action="risk.created").exists()


@pytest.mark.parametrize("payload, field", [
    ({"title": ""}, "title"),
    ({"title": "x", "likelihood": 9}, "likelihood"),
    ({"title": "x", "owner": "nobody-here"}, "owner"),
    ({"title": "x", "mappings": [{"framework": "NIST-AI-RMF", "ref": "NOPE 9"}]}, "mappings"),
    ({"title": "x", "treatment": "accept"}, "treatment"),
    ({"title": "x", "due": "tomorrow"}, "due"),
    ({"title": "x", "status": "closed"}, "status"),
    ({"title": "x", "external_refs": [{"tracker": "jira"}]}, "external_refs[0].external_id"),
    ({"title": "x", "external_refs": [{"tracker": "jira", "external_id": "1"}] * 2}, "external_refs[1].external_id"),
])
def test_bad_create_names_the_field(client_rw, register, payload, field):
    before = Risk.objects.count()
    response = client_rw.post("/api/v1/risks/", {"system": register["system"].pk, **payload}, format="json")
    if payload.get("status") == "closed":  # open -> closed is allowed: a valid transition
        assert response.status_code == 201
        return
    assert response.status_code == 400, response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"], response.json()
    assert Risk.objects.count() == before


def test_create_in_another_teams_system_is_refused(client_rw, other_team, outsider):
    system = make_system(other_team, outsider)
    response = client_rw.post("/api/v1/risks/", {"system": system.pk, "title": "x"}, format="json")
    assert response.status_code == 400 and "system" in response.json()["errors"]
    assert not Risk.objects.filter(system=system).exists()


def test_patch_requires_if_match_and_refuses_stale(client_rw, register):
    risk = register["risk"]
    url = f"/api/v1/risks/{risk.pk}/"
    assert client_rw.patch(url, {"title": "x"}, format="json").status_code == 428
    ok = client_rw.patch(url, {"title": "Renamed", "owner": register["system"].team.memberships.first().user.username},
                         format="json", HTTP_IF_MATCH=f'"{risk.version}"')
    assert ok.status_code == 200, ok.json()
    assert ok.json()["title"] == "Renamed" and etag(ok) == f'"{risk.version + 1}"'
    stale = client_rw.patch(url, {"title": "Lost"}, format="json", HTTP_IF_MATCH=f'"{risk.version}"')
    assert stale.status_code == 412 and stale.json()["current_version"] == risk.version + 1
    assert Risk.objects.get(pk=risk.pk).title == "Renamed"
    assert client_rw.patch(url, {"title": "x"}, format="json", HTTP_IF_MATCH="three").status_code == 400


def test_transition_through_patch_with_reason(client_rw, register):
    risk = register["risk"]
    url = f"/api/v1/risks/{risk.pk}/"
    no_reason = client_rw.patch(url, {"status": "dismissed"}, format="json", HTTP_IF_MATCH=f'"{risk.version}"')
    assert no_reason.status_code == 400 and "status_reason" in no_reason.json()["errors"]
    bad = client_rw.patch(url, {"status": "suggested"}, format="json", HTTP_IF_MATCH=f'"{risk.version}"')
    assert bad.status_code == 400 and "status" in bad.json()["errors"]
    ok = client_rw.patch(url, {"status": "dismissed", "status_reason": "Internal only", "impact": 2}, format="json",
                         HTTP_IF_MATCH=f'"{risk.version}"')
    assert ok.status_code == 200, ok.json()
    body = ok.json()
    assert body["status"] == "dismissed" and body["status_reason"] == "Internal only" and body["impact"] == 2
    last = AuditEvent.objects.filter(object_id=str(risk.pk), object_type="assessments.risk").order_by("-seq")[0]
    assert last.action == "risk.updated"  # one write: the transition and the field in one event
    assert last.changes["status"][1] == "dismissed" and last.changes["impact"][1] == 2
    # echoing the representation back (PATCH of everything) is a no-op
    again = client_rw.patch(url, body, format="json", HTTP_IF_MATCH=etag(ok))
    assert again.status_code == 200 and again.json()["version"] == body["version"]


def test_put_replaces_editable_fields(client_rw, register, contributor):
    risk = register["risk"]
    reg.risk_update(actor=None, risk=risk, owner=contributor, description="old")
    risk.refresh_from_db()
    url = f"/api/v1/risks/{risk.pk}/"
    missing = client_rw.put(url, {"system": risk.system_id}, format="json", HTTP_IF_MATCH=f'"{risk.version}"')
    assert missing.status_code == 400 and "title" in missing.json()["errors"]
    ok = client_rw.put(url, {"system": risk.system_id, "title": "Whole"}, format="json",
                       HTTP_IF_MATCH=f'"{risk.version}"')
    assert ok.status_code == 200, ok.json()
    body = ok.json()
    assert body["title"] == "Whole" and body["owner"] is None and body["description"] == "" and body["mappings"] == []
    moved = client_rw.put(url, {"system": risk.system_id + 1000, "title": "x"}, format="json", HTTP_IF_MATCH=etag(ok))
    assert moved.status_code == 400 and "system" in moved.json()["errors"]


def test_catalog_threat_keeps_its_mappings_and_cannot_be_deleted(client_rw, register):
    suggested = Risk.objects.filter(system=register["system"], template__isnull=False).first()
    url = f"/api/v1/risks/{suggested.pk}/"
    response = client_rw.patch(url, {"mappings": [{"framework": "NIST-AI-RMF", "ref": "MEASURE 2.7"}]}, format="json",
                               HTTP_IF_MATCH=f'"{suggested.version}"')
    assert response.status_code == 400 and "mappings" in response.json()["errors"]
    deleted = client_rw.delete(url, HTTP_IF_MATCH=f'"{suggested.version}"')
    assert deleted.status_code == 400 and "status" in deleted.json()["errors"]


def test_delete_needs_if_match_and_leaves_a_tombstone(client_rw, register):
    risk = register["risk"]
    url = f"/api/v1/risks/{risk.pk}/"
    assert client_rw.delete(url).status_code == 428
    assert client_rw.delete(url, HTTP_IF_MATCH='"999"').status_code == 412
    assert client_rw.delete(url, HTTP_IF_MATCH=f'"{risk.version}"').status_code == 204
    assert Tombstone.objects.filter(object_type="risk", object_id=str(risk.pk)).exists()
    mitigation = client_rw.get(f"/api/v1/mitigations/{register['mitigation'].pk}/").json()
    assert mitigation["risks"] == [] and mitigation["version"] == register["mitigation"].version + 1
    assert client_rw.get(url).status_code == 404


def test_filters(client_rw, register, contributor):
    risk, system = register["risk"], register["system"]
    reg.risk_update(actor=None, risk=risk, owner=contributor)
    reg.external_ref_set(actor=None, target=risk, tracker="jira", external_id="10001", key="SEC-12")
    other = make_system(system.team, None, name="Other")
    reg.risk_create(actor=None, system=other, title="Elsewhere")

    def ids(query):
        response = client_rw.get(f"/api/v1/risks/?page_size=200&{query}")
        assert response.status_code == 200, response.json()
        return {r["id"] for r in response.json()["results"]}

    assert ids("external=jira:SEC-12") == ids("external=JIRA:10001") == {risk.pk}
    assert ids("external=github:SEC-12") == set()
    assert ids(f"owner={contributor.username}") == {risk.pk}
    assert ids(f"system={other.pk}") == set(Risk.objects.filter(system=other).values_list("pk", flat=True))
    assert ids("status=open") == set(Risk.objects.filter(status="open").values_list("pk", flat=True))
    assert ids("status=suggested,open") == set(Risk.objects.values_list("pk", flat=True))
    for query, field in [("status=nope", "status"), ("system=x", "system"), ("external=SEC-12", "external"),
                         ("stale=maybe", "stale")]:
        response = client_rw.get(f"/api/v1/risks/?{query}")
        assert response.status_code == 400 and field in response.json()["errors"], query


def test_other_teams_risks_are_404(register, other_team, outsider):
    client = bearer(make_token(other_team, outsider))
    risk = register["risk"]
    assert client.get(f"/api/v1/risks/{risk.pk}/").status_code == 404
    assert client.patch(f"/api/v1/risks/{risk.pk}/", {"title": "x"}, format="json",
                        HTTP_IF_MATCH=f'"{risk.version}"').status_code == 404
    assert client.delete(f"/api/v1/risks/{risk.pk}/", HTTP_IF_MATCH=f'"{risk.version}"').status_code == 404
    assert client.get("/api/v1/risks/").json()["results"] == []
    assert client.get("/api/v1/risks/?external=jira:SEC-1").json()["results"] == []


def test_viewer_reads_but_cannot_write(register, team, owner):
    viewer = member(team, Role.VIEWER)
    client = bearer(make_token(team, viewer, actor=owner))
    risk = register["risk"]
    assert client.get(f"/api/v1/risks/{risk.pk}/").status_code == 200
    assert client.patch(f"/api/v1/risks/{risk.pk}/", {"title": "x"}, format="json",
                        HTTP_IF_MATCH=f'"{risk.version}"').status_code == 403
    assert client.post("/api/v1/risks/", {"system": risk.system_id, "title": "x"}, format="json").status_code == 403


def _list_queries(client, page_size: int) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/api/v1/risks/?page_size={page_size}")
    assert response.status_code == 200 and len(response.json()["results"]) == page_size
    return len(ctx.captured_queries)


def test_risk_list_query_count_does_not_grow_with_page_size(client_rw, register, contributor):
    system = register["system"]
    for i in range(12):  # custom risks with owners, mappings, mitigations and tickets
        risk = reg.risk_create(actor=None, system=system, title=f"R{i}", owner=contributor,
                               mappings=["NIST-AI-RMF:MEASURE 2.7", "OWASP-LLM-2025:LLM01:2025"])
        reg.mitigation_create(actor=None, system=system, title=f"M{i}", risks=[risk])
        reg.external_ref_set(actor=None, target=risk, tracker="jira", external_id=str(i), key=f"SEC-{i}")
    _list_queries(client_rw, 2)  # warm up (token last_used_at, sessions)
    small, large = _list_queries(client_rw, 5), _list_queries(client_rw, 45)
    assert small == large, (small, large)
    assert large <= 8
