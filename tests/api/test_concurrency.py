"""Two sync clients at the same moment, with real threads and connections (transactional_db).

- Two writers holding the same ETag: exactly one succeeds, the other gets 412 (PostgreSQL row locks;
  SQLite serialises writers with BEGIN IMMEDIATE, which gives the same outcome).
- Two POSTs with the same Idempotency-Key: one creates, the other is a 409 while the first runs.
"""

import threading
import time

import pytest
from django.db import connection

from assessments import services as reg
from assessments.models import Risk
from threatmodel import services as tm

from ..conftest import need_service, uses_postgres
from ..factories import make_system
from .conftest import bearer


@pytest.fixture
def world(transactional_db, team, owner):
    system = make_system(team, owner, name="Concurrent")
    risk = reg.risk_create(actor=owner, system=system, title="Contended")
    _, raw = tm.api_token_create(actor=owner, team=team, user=owner, name="a", scopes=["read", "write"])
    _, raw2 = tm.api_token_create(actor=owner, team=team, user=owner, name="b", scopes=["read", "write"])
    return {"system": system, "risk": risk, "tokens": [raw, raw2]}


def _slow(monkeypatch, name: str, seconds: float = 0.4):
    """Hold the service's transaction (and its row lock) open a little, so the two requests overlap."""
    original = getattr(reg, name)

    def slow(**kwargs):
        result = original(**kwargs)
        time.sleep(seconds)
        return result

    monkeypatch.setattr(reg, name, slow)


def _race(requests):
    barrier, results, errors = threading.Barrier(len(requests)), [None] * len(requests), []

    def run(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return results


def _skip_unless_real_locks():
    # An in-memory shared-cache SQLite test database answers "table is locked" instead of waiting for the
    # lock (a file database in WAL mode with BEGIN IMMEDIATE waits, like PostgreSQL's row lock).
    memory = str(connection.settings_dict["NAME"]).startswith("file:memorydb")
    need_service("PostgreSQL", uses_postgres() or not memory, "two concurrent writers need real locks")


def test_two_writers_with_the_same_etag_exactly_one_wins(world, monkeypatch):
    _skip_unless_real_locks()
    risk = world["risk"]
    _slow(monkeypatch, "risk_apply")
    url, etag = f"/api/v1/risks/{risk.pk}/", f'"{risk.version}"'
    results = _race([
        lambda: bearer(world["tokens"][0]).patch(url, {"title": "Writer A"}, format="json", HTTP_IF_MATCH=etag),
        lambda: bearer(world["tokens"][1]).patch(url, {"title": "Writer B"}, format="json", HTTP_IF_MATCH=etag),
    ])
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 412], [r.json() for r in results]
    winner = next(r for r in results if r.status_code == 200).json()
    loser = next(r for r in results if r.status_code == 412).json()
    fresh = Risk.objects.get(pk=risk.pk)
    assert fresh.title == winner["title"] and fresh.version == risk.version + 1 == loser["current_version"]


def test_two_ticket_writers_with_the_same_etag_exactly_one_wins(world, monkeypatch):
    _skip_unless_real_locks()
    risk = world["risk"]
    _slow(monkeypatch, "risk_apply")
    url, etag = f"/api/v1/risks/{risk.pk}/", f'"{risk.version}"'
    results = _race([
        lambda: bearer(world["tokens"][0]).patch(url, {"external_refs": [{"tracker": "jira", "external_id": "1"}]},
                                                 format="json", HTTP_IF_MATCH=etag),
        lambda: bearer(world["tokens"][1]).patch(url, {"external_refs": [{"tracker": "github", "external_id": "2"}]},
                                                 format="json", HTTP_IF_MATCH=etag),
    ])
    assert sorted(r.status_code for r in results) == [200, 412]
    assert Risk.objects.get(pk=risk.pk).external_refs.count() == 1


def test_a_concurrent_duplicate_post_is_a_409(world, monkeypatch):
    _skip_unless_real_locks()
    _slow(monkeypatch, "risk_create", 0.6)
    body = {"system": world["system"].pk, "title": "Created once"}
    client = bearer(world["tokens"][0])
    results = _race([
        lambda: client.post("/api/v1/risks/", body, format="json", HTTP_IDEMPOTENCY_KEY="race-1"),
        lambda: (time.sleep(0.2), bearer(world["tokens"][0]).post(
            "/api/v1/risks/", body, format="json", HTTP_IDEMPOTENCY_KEY="race-1"))[1],
    ])
    assert sorted(r.status_code for r in results) == [201, 409], [r.json() for r in results]
    assert Risk.objects.filter(title="Created once").count() == 1
    replay = client.post("/api/v1/risks/", body, format="json", HTTP_IDEMPOTENCY_KEY="race-1")
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"


def _postgres_only():
    need_service("PostgreSQL", uses_postgres(), "a DELETE racing another write needs real row locks")


@pytest.mark.services
@pytest.mark.parametrize("kind", ["risk", "mitigation"])
def test_two_deletes_of_the_same_object_are_a_204_and_a_404(world, monkeypatch, kind):
    _postgres_only()
    obj = world["risk"] if kind == "risk" else reg.mitigation_create(actor=None, system=world["system"], title="M")
    _slow(monkeypatch, f"{kind}_delete")
    url, etag = f"/api/v1/{kind}s/{obj.pk}/", f'"{obj.version}"'
    results = _race([lambda token=token: bearer(token).delete(url, HTTP_IF_MATCH=etag)
                     for token in world["tokens"]])
    assert sorted(r.status_code for r in results) == [204, 404], [r.content for r in results]


@pytest.mark.services
@pytest.mark.parametrize("kind", ["risk", "mitigation"])
def test_a_patch_racing_a_delete_is_a_404_or_a_412_never_a_500(world, monkeypatch, kind):
    _postgres_only()
    obj = world["risk"] if kind == "risk" else reg.mitigation_create(actor=None, system=world["system"], title="M")
    _slow(monkeypatch, f"{kind}_delete")
    url, etag = f"/api/v1/{kind}s/{obj.pk}/", f'"{obj.version}"'
    results = _race([
        lambda: bearer(world["tokens"][0]).delete(url, HTTP_IF_MATCH=etag),
        lambda: (time.sleep(0.1), bearer(world["tokens"][1]).patch(
            url, {"title": "Too late"}, format="json", HTTP_IF_MATCH=etag))[1],
    ])
    delete, patch = (r.status_code for r in results)
    assert (delete, patch) in ((204, 404), (412, 200)), [r.content for r in results]
    if patch == 404:
        assert results[1]["Content-Type"] == "application/problem+json"
