"""Contract of /api/v1/mitigations/ and /api/v1/external-refs/: writes, transitions, ticket references
(unique per team, writable by sync clients, visible to delta sync) and the remote status rule."""

import pytest

from assessments import services as reg
from assessments.models import ExternalRef, Risk
from assessments.services.sync import remote_category, status_for_remote, transition_path
from threatmodel.models import AuditEvent

from ..factories import make_system
from .conftest import bearer, make_token

pytestmark = pytest.mark.django_db

MITIGATION_FIELDS = {"id", "system", "risks", "control", "title", "description", "status", "status_reason", "owner",
                     "due", "evidence", "external_refs", "version", "created_at", "updated_at"}


def test_fields_and_create_from_a_control(client_rw, register, contributor):
    risk = register["risk"]
    response = client_rw.post("/api/v1/mitigations/", {
        "system": register["system"].pk, "control": "CTL-001", "risks": [risk.pk], "owner": contributor.username,
        "due": "2031-01-31", "external_refs": [{"tracker": "github", "external_id": "77", "key": "org/repo#77"}]},
        format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == MITIGATION_FIELDS
    assert body["control"] == "CTL-001" and body["title"] and body["risks"] == [risk.pk]
    assert body["owner"] == contributor.username and body["external_refs"][0]["key"] == "org/repo#77"
    assert response["ETag"] == f'"{body["version"]}"'
    unknown = client_rw.post("/api/v1/mitigations/", {"system": register["system"].pk, "control": "CTL-999"},
                             format="json")
    assert unknown.status_code == 400 and "control" in unknown.json()["errors"]
    foreign = make_system(register["system"].team, None, name="Other")
    other_risk = reg.risk_create(actor=None, system=foreign, title="Elsewhere")
    cross = client_rw.post("/api/v1/mitigations/", {"system": register["system"].pk, "title": "x",
                                                     "risks": [other_risk.pk]}, format="json")
    assert cross.status_code == 400 and "risks" in cross.json()["errors"]


def test_transitions_evidence_and_reasons(client_rw, register):
    m = register["mitigation"]
    url = f"/api/v1/mitigations/{m.pk}/"
    reject = client_rw.patch(url, {"status": "rejected"}, format="json", HTTP_IF_MATCH=f'"{m.version}"')
    assert reject.status_code == 400 and "status_reason" in reject.json()["errors"]
    step = client_rw.patch(url, {"status": "in_progress"}, format="json", HTTP_IF_MATCH=f'"{m.version}"')
    assert step.status_code == 200 and step.json()["status"] == "in_progress"
    done = client_rw.patch(url, {"status": "implemented"}, format="json", HTTP_IF_MATCH=step["ETag"])
    verify = client_rw.patch(url, {"status": "verified"}, format="json", HTTP_IF_MATCH=done["ETag"])
    assert verify.status_code == 400 and "evidence" in verify.json()["errors"]
    ok = client_rw.patch(url, {"status": "verified", "evidence": "Pen test report PT-12"}, format="json",
                         HTTP_IF_MATCH=done["ETag"])
    assert ok.status_code == 200, ok.json()
    assert ok.json()["status"] == "verified" and ok.json()["evidence"] == "Pen test report PT-12"
    risk = client_rw.get(f"/api/v1/risks/{register['risk'].pk}/").json()
    assert risk["residual_likelihood"] < risk["likelihood"]  # the residual rule followed the verification


def test_put_and_links(client_rw, register):
    m, risk = register["mitigation"], register["risk"]
    url = f"/api/v1/mitigations/{m.pk}/"
    put = client_rw.put(url, {"system": m.system_id, "title": "Filter inputs v2"}, format="json",
                        HTTP_IF_MATCH=f'"{m.version}"')
    assert put.status_code == 200, put.json()
    assert put.json()["risks"] == [] and put.json()["title"] == "Filter inputs v2"
    relink = client_rw.patch(url, {"risks": [risk.pk]}, format="json", HTTP_IF_MATCH=put["ETag"])
    assert relink.json()["risks"] == [risk.pk]
    assert client_rw.get(f"/api/v1/risks/{risk.pk}/").json()["mitigations"] == [m.pk]
    control = client_rw.patch(url, {"control": "CTL-001"}, format="json", HTTP_IF_MATCH=relink["ETag"])
    assert control.status_code == 400 and "control" in control.json()["errors"]
    assert client_rw.delete(url, HTTP_IF_MATCH=relink["ETag"]).status_code == 204
    assert client_rw.get(url).status_code == 404


def test_external_refs_write_bumps_version_but_no_local_field(client_rw, register):
    m = register["mitigation"]
    url = f"/api/v1/mitigations/{m.pk}/"
    before = client_rw.get(url).json()
    refs = [{"tracker": "jira", "external_id": "10001", "key": "SEC-12", "url": "https://jira.example.invalid/SEC-12",
             "remote_status": "In Review", "remote_updated_at": "2031-01-01T10:00:00Z"}]
    response = client_rw.patch(url, {"external_refs": refs}, format="json", HTTP_IF_MATCH=f'"{before["version"]}"')
    assert response.status_code == 200, response.json()
    after = response.json()
    assert after["version"] == before["version"] + 1 and after["updated_at"] > before["updated_at"]
    assert {k: v for k, v in after.items() if k not in ("version", "updated_at", "external_refs")} == {
        k: v for k, v in before.items() if k not in ("version", "updated_at", "external_refs")}
    assert after["external_refs"][0]["remote_updated_at"] == "2031-01-01T10:00:00Z"
    assert AuditEvent.objects.filter(action="external_ref.replaced", object_id=str(m.pk)).count() == 1
    same = client_rw.patch(url, {"external_refs": refs}, format="json", HTTP_IF_MATCH=response["ETag"])
    assert same.json()["version"] == after["version"]  # nothing changed: no new version
    moved = client_rw.patch(url, {"external_refs": [{**refs[0], "remote_status": "Done"}]}, format="json",
                            HTTP_IF_MATCH=response["ETag"])
    assert moved.json()["status"] == "proposed" and moved.json()["external_refs"][0]["remote_status"] == "Done"
    cleared = client_rw.patch(url, {"external_refs": []}, format="json", HTTP_IF_MATCH=moved["ETag"])
    assert cleared.json()["external_refs"] == [] and not ExternalRef.objects.filter(mitigation=m).exists()


def test_duplicate_ticket_is_a_409_naming_the_field(client_rw, register, other_team, outsider):
    m, risk = register["mitigation"], register["risk"]
    ref = {"tracker": "jira", "external_id": "10001", "key": "SEC-12"}
    first = client_rw.patch(f"/api/v1/mitigations/{m.pk}/", {"external_refs": [ref]}, format="json",
                            HTTP_IF_MATCH=f'"{m.version}"')
    assert first.status_code == 200
    clash = client_rw.patch(f"/api/v1/risks/{risk.pk}/", {"external_refs": [ref]}, format="json",
                            HTTP_IF_MATCH=f'"{risk.version}"')
    assert clash.status_code == 409 and clash["Content-Type"] == "application/problem+json"
    assert "already linked to mitigation" in clash.json()["errors"]["external_refs[0].external_id"][0]
    created = client_rw.post("/api/v1/risks/", {"system": risk.system_id, "title": "dup", "external_refs": [ref]},
                             format="json")
    assert created.status_code == 409 and not Risk.objects.filter(title="dup").exists()
    # another team may use the same ticket id in its own tracker
    other_system = make_system(other_team, outsider)
    other_m = reg.mitigation_create(actor=outsider, system=other_system, title="theirs")
    theirs = bearer(make_token(other_team, outsider)).patch(
        f"/api/v1/mitigations/{other_m.pk}/", {"external_refs": [ref]}, format="json",
        HTTP_IF_MATCH=f'"{other_m.version}"')
    assert theirs.status_code == 200


def test_lookup_by_ticket_and_external_refs_list(client_rw, register):
    m = register["mitigation"]
    reg.external_ref_set(actor=None, target=m, tracker="jira", external_id="10001", key="SEC-12")
    found = client_rw.get("/api/v1/mitigations/?external=jira:SEC-12").json()["results"]
    assert [x["id"] for x in found] == [m.pk]
    assert client_rw.get("/api/v1/mitigations/?external=jira:SEC-13").json()["results"] == []
    assert [x["id"] for x in client_rw.get(f"/api/v1/mitigations/?risk={register['risk'].pk}").json()["results"]] \
        == [m.pk]
    refs = client_rw.get("/api/v1/external-refs/?tracker=jira&key=SEC-12").json()["results"]
    assert refs == [{"id": refs[0]["id"], "tracker": "jira", "external_id": "10001", "key": "SEC-12", "url": "",
                     "remote_status": "", "remote_updated_at": None, "risk": None, "mitigation": m.pk,
                     "updated_at": refs[0]["updated_at"]}]


@pytest.mark.parametrize("remote, current, expected", [
    ("To Do", "proposed", "planned"), ("new", "in_progress", "planned"), ("In Progress", "planned", "in_progress"),
    ("indeterminate", "proposed", "in_progress"), ("Done", "proposed", "implemented"), ("closed", "planned",
                                                                                         "implemented"),
    ("done", "verified", "verified"), ("done", "rejected", "rejected"), ("to_do", "verified", "planned"),
    ("Blocked", "planned", "planned"), ("", "planned", "planned"),
])
def test_remote_status_rule(remote, current, expected):
    assert status_for_remote(remote_category(remote), current) == expected
    path = transition_path(current, expected)
    assert (path[-1] if path else current) == expected


def test_apply_remote_status_moves_through_the_services(client_rw, register):
    m = register["mitigation"]
    url = f"/api/v1/mitigations/{m.pk}/?apply_remote_status=true"
    refs = [{"tracker": "jira", "external_id": "1", "remote_status": "Done"},
            {"tracker": "github", "external_id": "2", "remote_status": "In Progress"}]
    seq_before = AuditEvent.objects.filter(team=m.system.team).order_by("-seq").values_list("seq", flat=True)[0]
    response = client_rw.patch(url, {"external_refs": refs}, format="json", HTTP_IF_MATCH=f'"{m.version}"')
    assert response.status_code == 200 and response.json()["status"] == "in_progress"  # the least done ticket wins
    done = client_rw.patch(url, {"external_refs": [{**refs[0]}, {**refs[1], "remote_status": "closed"}]},
                           format="json", HTTP_IF_MATCH=response["ETag"])
    assert done.json()["status"] == "implemented"
    # each PATCH is one write: the tickets and the status they ask for in one audit event
    events = list(AuditEvent.objects.filter(object_type="assessments.mitigation", object_id=str(m.pk),
                                            seq__gt=seq_before).order_by("seq").values_list("changes", flat=True))
    assert [c["status"][1] for c in events] == ["in_progress", "implemented"]
    assert all("external_refs" in c for c in events)
    bad = client_rw.patch(f"/api/v1/mitigations/{m.pk}/?apply_remote_status=perhaps", {}, format="json",
                          HTTP_IF_MATCH=done["ETag"])
    assert bad.status_code == 400 and "apply_remote_status" in bad.json()["errors"]


def test_mitigation_list_query_count_does_not_grow_with_page_size(client_rw, register):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    system, risk = register["system"], register["risk"]
    for i in range(30):
        m = reg.mitigation_create(actor=None, system=system, title=f"M{i}", risks=[risk])
        reg.external_ref_set(actor=None, target=m, tracker="github", external_id=str(i), key=f"org/repo#{i}")
    counts = []
    for size in (2, 2, 25):
        with CaptureQueriesContext(connection) as ctx:
            response = client_rw.get(f"/api/v1/mitigations/?page_size={size}")
        assert len(response.json()["results"]) == size
        counts.append(len(ctx.captured_queries))
    assert counts[1] == counts[2] <= 5, counts
