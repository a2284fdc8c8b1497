"""Delta sync (updated_after + cursor pages, updates in between, deletions as tombstones) and
Idempotency-Key semantics on the register's POSTs."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assessments import services as reg
from assessments.models import Mitigation, Risk
from threatmodel import services as tm
from threatmodel.models import IdempotencyRecord, Tombstone

from .conftest import bearer, make_token

pytestmark = pytest.mark.django_db


def walk(client, url):
    """Follow `next` links to the end; returns (rows, number of pages)."""
    rows, pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.json()
        body = response.json()
        rows += body["results"]
        pages += 1
        url = body["next"]
    return rows, pages


def test_delta_sync_across_pages_with_updates_in_between(client_rw, register, owner):
    system = register["system"]
    custom = [reg.risk_create(actor=owner, system=system, title=f"R{i}") for i in range(9)]
    seen, url, pages, edited = [], "/api/v1/risks/?page_size=7", 0, None
    while url:
        body = client_rw.get(url).json()
        seen += [(r["id"], r["version"]) for r in body["results"]]
        pages += 1
        if pages == 2:  # someone edits a row already read, and rows not read yet
            edited = Risk.objects.get(pk=seen[0][0])
            reg.risk_update(actor=owner, risk=edited, impact=5)
            reg.external_ref_set(actor=owner, target=custom[1], tracker="jira", external_id="x1")
            reg.external_refs_replace(actor=owner, target=custom[8], refs=[{"tracker": "jira", "external_id": "x8"}])
        url = body["next"]
    ids = [pk for pk, _ in seen]
    assert set(ids) == set(Risk.objects.values_list("pk", flat=True))  # nothing missed
    assert ids.count(edited.pk) == 2  # the edit made after it was read comes again, on a later page
    assert seen[-1] == (custom[8].pk, Risk.objects.get(pk=custom[8].pk).version)  # the last write comes last
    assert [v for pk, v in seen if pk == edited.pk][-1] == Risk.objects.get(pk=edited.pk).version
    assert len(ids) == len(set(ids)) + 1 and pages >= 5


def test_updated_after_returns_only_changes_including_ticket_changes(client_rw, register, owner):
    risk, m = register["risk"], register["mitigation"]
    since = timezone.now()
    assert client_rw.get("/api/v1/risks/", {"updated_after": since.isoformat()}).json()["results"] == []
    reg.external_refs_replace(actor=owner, target=m, refs=[{"tracker": "jira", "external_id": "7",
                                                            "remote_status": "Done"}])
    reg.risk_transition(actor=owner, risk=risk, status="mitigating")
    changed_m = client_rw.get("/api/v1/mitigations/", {"updated_after": since.isoformat()}).json()["results"]
    assert [x["id"] for x in changed_m] == [m.pk] and changed_m[0]["external_refs"][0]["remote_status"] == "Done"
    changed_r = client_rw.get("/api/v1/risks/", {"updated_after": since.isoformat()}).json()["results"]
    assert [x["id"] for x in changed_r] == [risk.pk]
    stamp = since.isoformat().replace("+00:00", "Z")
    assert client_rw.get(f"/api/v1/risks/?updated_after={stamp}").json()["results"] == changed_r
    naive = client_rw.get("/api/v1/risks/?updated_after=2030-01-01T00:00:00")
    assert naive.status_code == 400 and "updated_after" in naive.json()["errors"]


def test_deletions_are_visible_to_delta_sync(client_rw, register, owner, team):
    system = register["system"]
    since = timezone.now() - timedelta(milliseconds=1)
    doomed = reg.risk_create(actor=owner, system=system, title="Doomed")
    reg.risk_delete(actor=owner, risk=doomed)
    m2 = reg.mitigation_create(actor=owner, system=system, title="Gone soon")
    reg.mitigation_delete(actor=owner, mitigation=m2)
    stones = client_rw.get("/api/v1/deletions/", {"updated_after": since.isoformat()}).json()["results"]
    assert {(s["object_type"], s["object_id"]) for s in stones} >= {("risk", str(doomed.pk)),
                                                                    ("mitigation", str(m2.pk))}
    only = client_rw.get("/api/v1/deletions/?object_type=risk").json()["results"]
    assert {s["object_type"] for s in only} == {"risk"}
    # deleting a whole system leaves a tombstone for everything it takes with it
    risk_ids = set(Risk.objects.filter(system=system).values_list("pk", flat=True))
    mitigation_ids = set(Mitigation.objects.filter(system=system).values_list("pk", flat=True))
    component_ids = set(system.components.values_list("pk", flat=True))
    tm.system_delete(actor=owner, system=system)
    stones = Tombstone.objects.filter(team=team)
    assert {int(s.object_id) for s in stones.filter(object_type="risk")} >= risk_ids
    assert {int(s.object_id) for s in stones.filter(object_type="mitigation")} >= mitigation_ids
    assert {int(s.object_id) for s in stones.filter(object_type="component")} >= component_ids
    assert stones.filter(object_type="system", object_id=str(system.pk)).exists()
    rows, _ = walk(client_rw, "/api/v1/deletions/?page_size=50")
    assert len(rows) == stones.count()


def test_idempotent_create_replays_and_rejects_a_different_body(client_rw, register):
    body = {"system": register["system"].pk, "title": "Once only"}
    first = client_rw.post("/api/v1/risks/", body, format="json", HTTP_IDEMPOTENCY_KEY="sync-42")
    again = client_rw.post("/api/v1/risks/", body, format="json", HTTP_IDEMPOTENCY_KEY="sync-42")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert again["ETag"] == first["ETag"] and again["Location"] == first["Location"]
    assert Risk.objects.filter(title="Once only").count() == 1
    different = client_rw.post("/api/v1/risks/", {**body, "title": "Twice"}, format="json",
                               HTTP_IDEMPOTENCY_KEY="sync-42")
    assert different.status_code == 422 and different["Content-Type"] == "application/problem+json"
    # keys are per token: another token may use the same key for its own request
    other = bearer(make_token(register["system"].team, register["system"].team.memberships.get(role="owner").user,
                              name="second"))
    assert other.post("/api/v1/risks/", body, format="json", HTTP_IDEMPOTENCY_KEY="sync-42").status_code == 201
    # a failed request is replayed as it failed, without a second attempt
    bad = {"system": register["system"].pk, "title": ""}
    assert client_rw.post("/api/v1/risks/", bad, format="json", HTTP_IDEMPOTENCY_KEY="bad-1").status_code == 400
    replay = client_rw.post("/api/v1/risks/", bad, format="json", HTTP_IDEMPOTENCY_KEY="bad-1")
    assert replay.status_code == 400 and replay["Idempotent-Replayed"] == "true"
    assert replay["Content-Type"] == "application/problem+json" and replay.json() == client_rw.post(
        "/api/v1/risks/", bad, format="json", HTTP_IDEMPOTENCY_KEY="bad-1").json()


def test_a_duplicate_while_the_first_is_in_flight_is_a_409(client_rw, register, write_token):
    from threatmodel.models import ApiToken
    from threatmodel.services.teams import token_digest

    token = ApiToken.objects.get(digest=token_digest(write_token))
    body = {"system": register["system"].pk, "title": "In flight"}
    first = client_rw.post("/api/v1/risks/", body, format="json", HTTP_IDEMPOTENCY_KEY="flight-1")
    record = IdempotencyRecord.objects.get(principal=f"token:{token.pk}", key="flight-1")
    IdempotencyRecord.objects.filter(pk=record.pk).update(completed=False)  # as if still running
    dup = client_rw.post("/api/v1/risks/", body, format="json", HTTP_IDEMPOTENCY_KEY="flight-1")
    assert first.status_code == 201 and dup.status_code == 409
    assert Risk.objects.filter(title="In flight").count() == 1
