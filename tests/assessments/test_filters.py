"""One FilterSet per listed model, one vocabulary: the API and the register pages (and their exports)
read the same parameters and give the same rows; the schema documents them."""

import csv
import io

import pytest
from django.urls import reverse

from assessments import services as reg
from assessments.filters import RiskFilterSet
from assessments.models import Risk

from ..api.conftest import bearer, make_token
from ..factories import make_component, make_system

QUERIES = ["status=open", "status=open,mitigating", "owner=none", "component=none", "band=critical",
           "band=low,medium", "stale=false", "treatment=none", "due=none", "q=poison", "status=open&owner=none"]


@pytest.fixture
def world(team, owner):
    system = make_system(team, owner, name="Filters")
    chat = make_component(system, "input", "Chat", actor=owner)
    risks = [
        reg.risk_create(actor=owner, system=system, title="Prompt injection", component=chat, likelihood=5,
                        impact=5, owner=owner.username, due="2031-01-01"),
        reg.risk_create(actor=owner, system=system, title="Data poisoning", likelihood=1, impact=2),
        reg.risk_create(actor=owner, system=system, title="Model theft", likelihood=3, impact=3, treatment="avoid"),
    ]
    reg.risk_transition(actor=owner, risk=risks[2], status="mitigating")
    return {"system": system, "risks": risks}


def _api_ids(client, query):
    response = client.get(f"/api/v1/risks/?page_size=200&{query}")
    assert response.status_code == 200, (query, response.json())
    return {r["id"] for r in response.json()["results"]}


def _page_ids(client, system, query):
    response = client.get(reverse("system_register_export", args=[system.pk, "csv"]) + "?" + query)
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    return {int(row["ID"]) for row in rows} if rows and "ID" in rows[0] else {
        Risk.objects.get(system=system, title=row["Title"]).pk for row in rows}


@pytest.mark.parametrize("query", QUERIES)
def test_the_api_and_the_register_read_the_same_filters(world, team, owner, login, query):
    api = bearer(make_token(team, owner))
    page = login(owner)
    expected = _api_ids(api, query)
    assert expected == _page_ids(page, world["system"], query)
    assert expected == set(RiskFilterSet(_as_query(query), queryset=Risk.objects.all()).qs.values_list(
        "pk", flat=True))


def _as_query(query: str):
    from django.http import QueryDict

    return QueryDict(query)


def test_the_filters_select_what_they_name(world, team, owner):
    api = bearer(make_token(team, owner))
    injection, poisoning, theft = (r.pk for r in world["risks"])
    assert _api_ids(api, "band=critical") == {injection}
    assert _api_ids(api, "status=mitigating") == _api_ids(api, "status=mitigating,closed") == {theft}
    assert _api_ids(api, "owner=none") == {poisoning, theft}
    assert _api_ids(api, "treatment=avoid") == {theft}
    assert _api_ids(api, "q=poison") == {poisoning}
    assert _api_ids(api, "stale=no") == _api_ids(api, "stale=false") == {injection, poisoning, theft}


def test_a_bad_filter_is_a_400_naming_it_in_the_api_and_ignored_on_the_page(world, team, owner, login):
    api = bearer(make_token(team, owner))
    for query, field in [("band=purple", "band"), ("due=tomorrow", "due"), ("component=x", "component"),
                         ("status=nope", "status")]:
        response = api.get(f"/api/v1/risks/?{query}")
        assert response.status_code == 400 and field in response.json()["errors"], query
        page = login(owner).get(reverse("system_register", args=[world["system"].pk]) + "?" + query)
        assert page.status_code == 200


def test_the_schema_documents_the_filters(client):
    schema = client.get("/api/schema/?format=json").json()
    params = {p["name"] for p in schema["paths"]["/api/v1/risks/"]["get"]["parameters"]}
    assert {"system", "component", "status", "owner", "stale", "treatment", "due", "band", "framework_item",
            "external", "q"} <= params
    params = {p["name"] for p in schema["paths"]["/api/v1/mitigations/"]["get"]["parameters"]}
    assert {"system", "risk", "status", "owner", "external"} <= params
