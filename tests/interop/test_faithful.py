"""Imports keep what the file says: OTM round trips keep catalog templates and statuses, explicit
attributes win over guesses from names, OTM in YAML, each Threat Dragon threat is one risk."""

import copy
import json

import pytest
import yaml

from assessments.interop import detect, services
from assessments.interop.otm_export import export_otm
from assessments.models import Risk
from threatmodel import services as tm

from ..factories import make_component, make_flow, make_system
from .conftest import fixture_bytes

pytestmark = pytest.mark.django_db


def apply(team, actor, data: bytes, filename: str, mode="new"):
    record = services.import_preview(actor=actor, team=team, data=data, filename=filename)
    return services.import_confirm(actor=actor, record=record, mode=mode, background=False)


@pytest.fixture
def modeled(catalog, team, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        system = make_system(team, owner, name="Chat helper", answers={"internet_facing": True})
        chat = make_component(system, "input", name="Chat box", actor=owner,
                              answers={"untrusted_content": True, "purpose": ["prompt"]})
        llm = make_component(system, "model", name="LLM", actor=owner, answers={"model_type": "llm"})
        flow = make_flow(system, chat, llm, actor=owner, label="HTTPS prompt")
        tm.flow_update(actor=owner, flow=flow, answers={"encrypted_in_transit": False,
                                                        "crosses_trust_boundary": True})
    return system


def test_otm_round_trip_keeps_suggested_catalog_risks_and_explicit_flow_answers(modeled, team, owner,
                                                                                django_capture_on_commit_callbacks):
    before = Risk.objects.filter(system=modeled)
    suggested = before.filter(status="suggested", template__isnull=False).count()
    assert suggested > 0
    data = json.dumps(export_otm(modeled)).encode()
    with django_capture_on_commit_callbacks(execute=True):
        copy_ = apply(team, owner, data, "chat.otm.json")
    after = Risk.objects.filter(system=copy_.system)

    def pairs(qs):
        return sorted((r.template.ref if r.template_id else r.title, r.status,
                       r.component.name if r.component_id else "") for r in qs)

    assert pairs(after) == pairs(before)  # nothing duplicated as custom risks
    assert after.filter(status="suggested", template__isnull=False).count() == suggested
    assert not after.filter(template__isnull=True).exists()
    flow = copy_.system.flows.get()
    assert flow.answers["encrypted_in_transit"] is False  # the label says HTTPS; the attribute says false


def test_otm_yaml_imports_like_otm_json(catalog):
    doc = json.loads(fixture_bytes("rag-assistant.otm.json"))
    from_json = detect.read(json.dumps(doc).encode(), filename="a.otm.json")
    from_yaml = detect.read(yaml.safe_dump(doc, sort_keys=False).encode(), filename="a.otm.yaml")
    assert from_yaml.as_dict() == from_json.as_dict()
    unnamed = detect.read(yaml.safe_dump(doc, sort_keys=False).encode(), filename="upload")  # otmVersion: first
    assert unnamed.format == "otm"


def test_yaml_booleans_and_aliases(catalog):
    text = ("otmVersion: 0.2.0\nproject: {name: P, id: p}\ntrustZones: []\n"
            "components:\n  - {id: a, name: Chat, type: ai-input}\n  - {id: b, name: LLM, type: ai-model}\n"
            "dataflows:\n  - {id: f, name: TLS prompt, source: a, destination: b,\n"
            "     attributes: {encrypted_in_transit: false}}\n")
    plan = detect.read(text.encode(), filename="p.yml")
    assert plan.flows[0].answers["encrypted_in_transit"] is False
    from assessments.interop.errors import ImportProblem

    with pytest.raises(ImportProblem, match="anchors"):
        detect.read(b"otmVersion: 0.2.0\nproject: &p {name: P, id: p}\nother: *p\n", filename="p.yaml")


def test_each_threat_dragon_threat_is_one_risk(catalog, team, owner):
    doc = json.loads(fixture_bytes("threat-dragon-v2.json"))
    cells = doc["detail"]["diagrams"][0]["cells"]
    prompt = next(c for c in cells if c["id"] == "f-prompt")
    for flow_id in ("f-rag", "f-answer"):  # the same threat, copied with its id, on two more flows
        next(c for c in cells if c["id"] == flow_id)["data"]["threats"] = copy.deepcopy(prompt["data"]["threats"])
    llm = next(c for c in cells if c["id"] == "c-llm")
    llm["data"]["threats"].append(copy.deepcopy(llm["data"]["threats"][0]))  # twice on one element
    llm["data"]["threats"].append(copy.deepcopy(llm["data"]["threats"][0]))
    threats = sum(len((c.get("data") or {}).get("threats", [])) for c in cells)
    plan = detect.read(json.dumps(doc).encode(), filename="td.json")
    assert len({r.source_id for r in plan.risks}) == len(plan.risks) == threats
    applied = apply(team, owner, json.dumps(doc).encode(), "td.json")
    titles = list(Risk.objects.filter(system=applied.system, template__isnull=True).values_list("title", flat=True))
    assert titles.count("Prompt intercepted") == 3


def test_otm_round_trip_keeps_a_dismissed_catalog_risk_dismissed(modeled, team, owner,
                                                                  django_capture_on_commit_callbacks):
    from assessments import services as register
    from assessments.resuggest import resuggest_system

    risk = Risk.objects.filter(system=modeled, status="suggested", template__isnull=False).order_by("id").first()
    register.risk_transition(actor=owner, risk=risk, status="dismissed", reason="Only staff use the chat box.")
    count = Risk.objects.filter(system=modeled).count()
    data = json.dumps(export_otm(modeled)).encode()
    with django_capture_on_commit_callbacks(execute=True):
        copy_ = apply(team, owner, data, "chat.otm.json")
    resuggest_system(copy_.system_id)  # the engine again: the dismissal's facts are the same here
    after = Risk.objects.filter(system=copy_.system)
    assert after.count() == count and not after.filter(template__isnull=True).exists()
    back = after.get(template=risk.template, component__name=risk.component.name if risk.component_id else None)
    assert back.status == "dismissed" and back.status_reason == "Only staff use the chat box."
    assert back.fingerprint  # the engine's facts here, so the next re-suggest keeps the dismissal
