"""Catalog 2 in the register: context scores and pre-marked controls on suggestions, the test plan
export (page and API), and "new since your last review" after a catalog release adds threats."""

import csv
import io

import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

from assessments.models import Risk
from assessments.resuggest import resuggest_system
from assessments.selectors import new_since_review_count
from catalog.engine.current import clear_cache
from tests.factories import make_component, make_flow, make_system

pytestmark = pytest.mark.django_db

AGENT = {"model_type": "llm", "generative": True, "provider": "third_party_api", "tool_access": True,
         "executes_code": True, "tool_protocols": ["function_calling"], "tool_identity": "service_account"}


def coding_agent(team, **answers):
    system = make_system(team, name="Coding agent", answers={"internet_facing": False, "users": ["employees"]})
    request = make_component(system, "input", "Developer request", {"source": "employees", "purpose": ["prompt"]})
    model = make_component(system, "model", "Agent", {**AGENT, **answers})
    make_flow(system, request, model)
    resuggest_system(system.pk)
    return system, model


def runaway(system):
    return Risk.objects.get(system=system, template__ref="AI-MD-044")


def test_suggestions_carry_the_context_score_and_its_reasons(loaded, team):
    system, _ = coding_agent(team)
    risk = runaway(system)
    assert (risk.likelihood, risk.impact) == (4, 4)  # default 4 / 3, +1 impact: the agent runs code
    assert "Impact +1: The agent runs code, so a loop can do more than spend money." in risk.why


def test_a_safeguard_answer_lowers_the_score_and_pre_marks_the_control_with_the_answer(loaded, team):
    system, model = coding_agent(team, rate_limited=True, action_approval=True)
    risk = runaway(system)
    assert risk.likelihood == 1 and risk.residual_likelihood == 1
    assert any(line.startswith("Likelihood −2: Requests are rate limited") for line in risk.why)
    assert "Control CTL-007 already in place: The model is answered as rate limited and capped." in risk.why
    assert any(line.startswith("Control CTL-006 already in place:") for line in risk.why)


def test_an_unacted_suggestion_follows_a_changed_answer(loaded, team, owner):
    from threatmodel import services as tm_services

    system, model = coding_agent(team)
    assert runaway(system).likelihood == 4
    tm_services.component_update(actor=owner, component=model, answers={**model.answers, "rate_limited": True})
    resuggest_system(system.pk)
    risk = runaway(system)
    assert risk.likelihood == 2 and any("rate limited" in line for line in risk.why)


def test_test_plan_page_and_api(loaded, team, owner, client):
    system, _ = coding_agent(team)
    client.force_login(owner)
    page = client.get(f"/systems/{system.pk}/test-plan.json")
    assert page.status_code == 200 and "attachment" in page["Content-Disposition"]
    plan = page.json()
    entry = next(e for e in plan["entries"] if e["threat"] == "AI-MD-044")
    assert entry["probes"][0]["kind"] == "automated" and entry["probes"][0]["expect"]
    assert entry["detection"]["log_sources"] and entry["component"] == {"name": "Agent", "kind": "model"}
    assert plan["counts"]["probes"] >= 1

    rows = list(csv.DictReader(io.StringIO(client.get(f"/systems/{system.pk}/test-plan.csv").content.decode())))
    assert any(r["threat"] == "AI-MD-044" and r["check"] for r in rows)
    assert client.get(f"/systems/{system.pk}/test-plan.pdf").status_code == 404
    register = client.get(f"/systems/{system.pk}/register/")
    assert f"/systems/{system.pk}/test-plan.csv" in register.content.decode()

    api = APIClient()
    api.force_authenticate(owner)
    response = api.get(f"/api/v1/systems/{system.pk}/test-plan/")
    assert response.status_code == 200 and response.json()["entries"]
    as_csv = api.get(f"/api/v1/systems/{system.pk}/test-plan/?format=csv")
    assert as_csv.status_code == 200 and as_csv["Content-Type"].startswith("text/csv")
    assert as_csv.content.decode().splitlines()[0].startswith("risk_id,threat,title")


def test_test_plan_is_team_scoped(loaded, team, other_team, client):
    from tests.factories import member

    system, _ = coding_agent(team)
    stranger = member(other_team)
    client.force_login(stranger)
    assert client.get(f"/systems/{system.pk}/test-plan.json").status_code == 404
    api = APIClient()
    api.force_authenticate(stranger)
    assert api.get(f"/api/v1/systems/{system.pk}/test-plan/").status_code == 404


def test_threats_a_release_adds_are_new_since_the_last_review(team, data_dir, django_capture_on_commit_callbacks):
    # the previous catalog: without the runaway-agent threat
    path = data_dir / "threats_agentic.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["threats"] = [t for t in doc["threats"] if t["ref"] != "AI-MD-044"]
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    clear_cache()
    call_command("load_catalog", data_dir=str(data_dir), quiet=True)
    system, _ = coding_agent(team)
    assert not Risk.objects.filter(system=system, template__ref="AI-MD-044").exists()
    assert new_since_review_count(system) == 0

    with django_capture_on_commit_callbacks(execute=True):  # the release hook re-suggests every system
        call_command("load_catalog", quiet=True)
    clear_cache()
    added = runaway(system)
    assert new_since_review_count(system) >= 1
    from assessments.models import SystemReviewState

    assert added.pk in SystemReviewState.objects.get(system=system).new_risk_ids
