"""Errors are application/problem+json with type, title, status, detail and errors naming the field;
every status the issue lists is produced where it should be, and bad input is never a 500."""

import json

import pytest

from threatmodel.api.throttling import TokenRateThrottle

from .conftest import bearer, expired

pytestmark = pytest.mark.django_db


def problem(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert {"type", "title", "status", "detail", "errors"} <= set(body) and body["status"] == status
    return body


def test_each_status(client_rw, read_token, register, team, owner):
    risk, m = register["risk"], register["mitigation"]
    url = f"/api/v1/risks/{risk.pk}/"
    assert "title" in problem(client_rw.post("/api/v1/risks/", {"system": risk.system_id}, format="json"), 400)[
        "errors"]
    problem(bearer().get("/api/v1/risks/"), 401)
    problem(bearer("tmk_not-a-token").get("/api/v1/risks/"), 401)
    problem(bearer(expired(team, owner)).get("/api/v1/risks/"), 401)
    assert "write" in problem(bearer(read_token).patch(url, {}, format="json", HTTP_IF_MATCH='"1"'), 403)["detail"]
    problem(client_rw.get("/api/v1/risks/999999/"), 404)
    problem(client_rw.get("/api/v1/risks/99999999999999999999/"), 404)
    problem(client_rw.put("/api/v1/external-refs/", {}, format="json"), 405)
    problem(client_rw.delete("/api/v1/audit-events/1/"), 405)
    client_rw.patch(f"/api/v1/mitigations/{m.pk}/", {"external_refs": [{"tracker": "jira", "external_id": "1"}]},
                    format="json", HTTP_IF_MATCH=f'"{m.version}"')
    problem(client_rw.patch(url, {"external_refs": [{"tracker": "jira", "external_id": "1"}]}, format="json",
                            HTTP_IF_MATCH=f'"{risk.version}"'), 409)
    assert problem(client_rw.patch(url, {"title": "x"}, format="json", HTTP_IF_MATCH='"999"'), 412)[
        "current_version"] == risk.version
    problem(client_rw.post("/api/v1/risks/", "title=x", content_type="application/x-www-form-urlencoded"), 415)
    body = {"system": risk.system_id, "title": "A"}
    client_rw.post("/api/v1/risks/", body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    problem(client_rw.post("/api/v1/risks/", {**body, "title": "B"}, format="json", HTTP_IDEMPOTENCY_KEY="k"), 422)
    problem(client_rw.patch(url, {"title": "x"}, format="json"), 428)


def test_rate_limit_is_a_429_with_retry_after(client_rw, monkeypatch):
    from django.core.cache import cache

    cache.clear()
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "3/min"})
    for _ in range(3):
        assert client_rw.get("/api/v1/risks/").status_code == 200
    body = problem(client_rw.get("/api/v1/risks/"), 429)
    response = client_rw.get("/api/v1/risks/")
    assert int(response["Retry-After"]) > 0 and body["detail"]
    cache.clear()


NASTY_QUERIES = [
    "owner=%00", "external=jira:%00", "status=%00", "system=99999999999999999999", "system=-1", "component=1e3",
    "updated_after=0001-01-01T00:00:00%2B23:59", "updated_after=9999-12-31T23:59:59-23:59",
    "updated_after=2026-02-30T00:00:00Z", "cursor=MHwx", "cursor=" + "A" * 3000, "page_size=-5",
    "stale=%00", "object_type=%00",
]


@pytest.mark.parametrize("query", NASTY_QUERIES)
@pytest.mark.parametrize("path", ["/api/v1/risks/", "/api/v1/mitigations/", "/api/v1/external-refs/",
                                  "/api/v1/deletions/", "/api/v1/audit-events/"])
def test_bad_queries_are_4xx(client_rw, register, path, query):
    response = client_rw.get(f"{path}?{query}")
    assert response.status_code in (200, 400), (response.status_code, response.content[:300])


NASTY_BODIES = [
    {"title": "a\u0000b"},
    {"title": "x", "owner": "\u0000"},
    {"title": "x", "system": 99999999999999999999},
    {"title": "x", "component": 99999999999999999999},
    {"title": "x", "due": "99999-01-01"},
    {"title": "x", "mappings": [{"framework": "\u0000", "ref": "x"}]},
    {"title": "x", "mappings": "NIST"},
    {"title": "x", "external_refs": [{"tracker": "jira", "external_id": "1", "remote_updated_at": "0001-01-01T00:00"}]},
    {"title": "x", "external_refs": [{"tracker": "jira", "external_id": "1", "url": "javascript:alert(1)"}]},
    {"title": "x", "external_refs": {"tracker": "jira"}},
    {"title": "x" * 100000},
    {"title": "x", "likelihood": "3.5"},
    {"title": "x", "status": None},
]


@pytest.mark.parametrize("body", NASTY_BODIES)
def test_bad_bodies_are_4xx(client_rw, register, body):
    payload = {"system": register["system"].pk, **body}
    for method, url, extra in [("post", "/api/v1/risks/", {}),
                               ("patch", f"/api/v1/risks/{register['risk'].pk}/", {"HTTP_IF_MATCH": "*"}),
                               ("post", "/api/v1/mitigations/", {}),
                               ("patch", f"/api/v1/mitigations/{register['mitigation'].pk}/", {"HTTP_IF_MATCH": "*"})]:
        response = getattr(client_rw, method)(url, json.dumps(payload), content_type="application/json", **extra)
        assert response.status_code < 500, (method, url, response.content[:300])
        if response.status_code >= 400:
            assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("raw", ["{", "[]", "null", "\"x\"", "{\"title\": NaN}", "\xff"])
def test_malformed_json_is_a_400(client_rw, register, raw):
    response = client_rw.post("/api/v1/risks/", raw, content_type="application/json")
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
