"""The read-only catalog API: field contract, filters, pagination, errors, auth, query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from catalog.models import ThreatTemplate
from threatmodel.services.teams import api_token_create

pytestmark = pytest.mark.django_db

THREAT_FIELDS = ["ref", "title", "description", "applies_to", "rule", "category", "phase", "default_likelihood",
                 "default_impact", "likelihood_rationale", "impact_rationale", "privacy_relevant", "mappings",
                 "controls", "retired", "adjust", "in_place", "mapping_notes", "references", "detection", "probes"]
CONTROL_FIELDS = ["ref", "title", "description", "verification", "kind", "guidance", "mappings", "retired"]


@pytest.fixture
def api(loaded, viewer):
    client = APIClient()
    client.force_authenticate(viewer)
    return client


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_questions(api, real_catalog):
    body = api.get("/api/v1/catalog/questions/", {"page_size": 200}).json()
    assert body["count"] == len(real_catalog.questions)
    source = next(q for q in body["results"] if (q["scope"], q["key"]) == ("input", "source"))
    assert list(source) == ["scope", "key", "label", "help", "type", "choices"]
    assert source["type"] == "choice" and {"value": "end_users", "label": "End users"} in source["choices"]
    flows = results(api.get("/api/v1/catalog/questions/", {"scope": "flow"}))
    assert flows and {q["scope"] for q in flows} == {"flow"}


def test_threat_contract(api, real_catalog):
    threat = api.get("/api/v1/catalog/threats/AI-IN-001/").json()
    assert list(threat) == THREAT_FIELDS
    expected = real_catalog.threats["AI-IN-001"]
    assert threat["rule"] == expected["rule"] and threat["applies_to"] == ["input"]
    assert threat["controls"] == expected["controls"]
    assert threat["mappings"] == [{"framework": fw, "ref": ref} for fw, ref in expected["mappings"]]
    assert threat["default_likelihood"] == expected["default_likelihood"] and threat["retired"] is False


def test_filter_by_framework_item_includes_children(api):
    exact = results(api.get("/api/v1/catalog/threats/", {"framework": "NIST-AI-RMF", "ref": "MEASURE 2.7",
                                                         "page_size": 200}))
    assert exact and all({"framework": "NIST-AI-RMF", "ref": "MEASURE 2.7"} in t["mappings"] for t in exact)
    parent = results(api.get("/api/v1/catalog/threats/", {"framework": "NIST-AI-RMF", "ref": "MEASURE 2",
                                                          "page_size": 200}))
    assert {t["ref"] for t in exact} < {t["ref"] for t in parent}
    owasp = results(api.get("/api/v1/catalog/threats/", {"framework": "OWASP-LLM-2025", "ref": "LLM01:2025"}))
    assert owasp and all({"framework": "OWASP-LLM-2025", "ref": "LLM01:2025"} in t["mappings"] for t in owasp)
    nothing = api.get("/api/v1/catalog/threats/", {"framework": "NIST-AI-RMF", "ref": "LLM01:2025"}).json()
    assert nothing["count"] == 0


def test_filter_by_scope_category_and_search(api):
    inputs = results(api.get("/api/v1/catalog/threats/", {"applies_to": "input", "page_size": 200}))
    assert inputs and all("input" in t["applies_to"] for t in inputs)
    assert len(inputs) == ThreatTemplate.objects.filter(ref__startswith="AI-IN-").count()
    injection = results(api.get("/api/v1/catalog/threats/", {"category": "prompt-injection"}))
    assert injection and {t["category"] for t in injection} == {"prompt-injection"}
    found = results(api.get("/api/v1/catalog/threats/", {"q": "membership inference"}))
    assert any("Membership inference" in t["title"] for t in found)


def test_invalid_filter_is_a_problem_naming_the_parameter(api):
    response = api.get("/api/v1/catalog/threats/", {"applies_to": "flux-capacitor"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "applies_to" in response.json()["errors"]


def test_pagination(api):
    first = api.get("/api/v1/catalog/threats/", {"page_size": 10}).json()
    assert len(first["results"]) == 10 and first["next"] and first["previous"] is None
    assert first["count"] == ThreatTemplate.objects.filter(retired=False).count()
    second = api.get(first["next"]).json()
    assert second["previous"] and not {t["ref"] for t in second["results"]} & {t["ref"] for t in first["results"]}
    items = api.get("/api/v1/frameworks/MITRE-ATLAS/items/", {"page_size": 200}).json()
    assert len(items["results"]) == min(items["count"], 200)
    too_big = api.get("/api/v1/frameworks/MITRE-ATLAS/items/", {"page_size": 201})
    assert too_big.status_code == 400 and "page_size" in too_big.json()["errors"]


def test_lists_use_the_projects_page_number_pagination():
    from catalog.api.views import CatalogListView
    from threatmodel.api.pagination import PageNumberPagination

    assert CatalogListView.pagination_class is PageNumberPagination


def test_unknown_refs_are_404_problems(api):
    for url in ("/api/v1/catalog/threats/AI-IN-999/", "/api/v1/catalog/controls/CTL-999/",
                "/api/v1/frameworks/NOPE/items/"):
        response = api.get(url)
        assert response.status_code == 404 and response["Content-Type"] == "application/problem+json", url


def test_retired_threats_leave_the_list_but_keep_their_detail(api):
    ThreatTemplate.objects.filter(ref="AI-IN-002").update(retired=True)
    listed = {t["ref"] for t in results(api.get("/api/v1/catalog/threats/", {"page_size": 200}))}
    assert "AI-IN-002" not in listed
    assert api.get("/api/v1/catalog/threats/AI-IN-002/").json()["retired"] is True


def test_controls(api, real_catalog):
    control = api.get("/api/v1/catalog/controls/CTL-001/").json()
    assert list(control) == CONTROL_FIELDS
    assert control["kind"] in ("preventive", "detective", "corrective")
    assert {"framework": "CAF-AI-SEC", "ref": real_catalog.controls["CTL-001"]["mappings"][-1][1]} in \
        control["mappings"] or any(m["framework"] == "CAF-AI-SEC" for m in control["mappings"])
    detective = results(api.get("/api/v1/catalog/controls/", {"kind": "detective", "page_size": 200}))
    assert detective and {c["kind"] for c in detective} == {"detective"}
    mapped = results(api.get("/api/v1/catalog/controls/", {"framework": "CAF-AI-SEC", "ref": "data-protection"}))
    assert mapped and all(any(m["ref"].startswith("data-protection") for m in c["mappings"]) for c in mapped)


def test_frameworks_and_items(api):
    frameworks = results(api.get("/api/v1/frameworks/"))
    assert [f["key"] for f in frameworks] == ["NIST-AI-RMF", "MITRE-ATLAS", "OWASP-LLM-2025", "OWASP-ML-2023",
                                              "CAF-AI-SEC", "NIST-AI-600-1", "OWASP-AGENTIC-2026", "COSAI-RISK-MAP"]
    assert list(frameworks[0]) == ["key", "name", "version", "url", "item_count", "attribution", "generative_only"]
    assert frameworks[0]["item_count"] == 95
    items = results(api.get("/api/v1/frameworks/NIST-AI-RMF/items/", {"page_size": 200}))
    assert len(items) == 95 and items[0] == {"ref": "GOVERN", "title": items[0]["title"], "kind": "function",
                                             "parent": None}
    sub = next(i for i in items if i["ref"] == "MEASURE 2.7")
    assert sub["kind"] == "subcategory" and sub["parent"] == "MEASURE 2"


def test_releases(api, loaded):
    releases = results(api.get("/api/v1/catalog/releases/"))
    assert releases[0]["version"] == loaded.release.version
    assert releases[0]["summary"]["threats"]["added"]


def test_anonymous_is_401_and_a_token_of_any_team_reads(loaded, team, owner):
    anonymous = APIClient().get("/api/v1/catalog/threats/")
    assert anonymous.status_code == 401 and anonymous["Content-Type"] == "application/problem+json"
    _, raw = api_token_create(actor=owner, team=team, user=owner, name="sync", scopes=("read",))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/catalog/threats/AI-IN-001/").status_code == 200


def test_the_api_is_read_only(api):
    assert api.post("/api/v1/catalog/threats/", {}, format="json").status_code == 405
    assert api.delete("/api/v1/catalog/threats/AI-IN-001/").status_code == 405


@pytest.mark.parametrize("url", ["/api/v1/catalog/threats/", "/api/v1/catalog/controls/",
                                 "/api/v1/catalog/questions/", "/api/v1/frameworks/NIST-AI-RMF/items/"])
def test_query_count_does_not_grow_with_page_size(api, url):
    def count(size):
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(url, {"page_size": size}).status_code == 200
        return len(ctx.captured_queries)

    assert count(5) == count(60)
    assert count(60) <= 6
