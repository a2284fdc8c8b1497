"""Each importer on hand-written files: what it maps, what it leaves out and says so (parsers are pure)."""

import json

import pytest

from assessments.interop import detect, rules
from assessments.interop.errors import ImportProblem

from .conftest import fixture_bytes


def read(name: str):
    return detect.read(fixture_bytes(name), filename=name)


def by_id(items):
    return {i.source_id: i for i in items}


def notes(plan, level=None):
    return [f"{n.path}: {n.message}" for n in plan.notes if level is None or n.level == level]


# --- Threat Dragon -------------------------------------------------------------------------------

def test_threat_dragon_elements_flows_threats():
    plan = read("threat-dragon-v2.json")
    assert plan.format == "threat-dragon" and plan.system.name == "Support assistant (Threat Dragon)"
    assert "Owner in Threat Dragon: Ana Ortiz" in plan.system.description
    components = by_id(plan.components)
    assert set(components) == {"c-chat", "c-llm", "c-kb", "c-answer", "c-log", "c-uni"}
    kinds = {k: c.kind for k, c in components.items()}
    assert kinds == {"c-chat": "input", "c-llm": "model", "c-kb": "input", "c-answer": "output", "c-log": "output",
                     "c-uni": "output"}  # downstream of the LLM: "Modell" is not an English word
    assert components["c-llm"].answers_for("model") == {"model_type": "llm"}
    assert components["c-kb"].answers_for("input") == {"stored_in_vector_store": True}
    assert components["c-uni"].name == "Übersetzungs-Modell 🤖" and "naïve café" in components["c-uni"].description
    assert all(c.kind_reason for c in plan.components)
    # the text block and the two broken flows are left out, each with its path
    skipped = notes(plan, "skipped")
    assert "$.detail.diagrams[0].cells[13].target: flow 'to nowhere' points at 'no-such-element', which is not an " \
           "element of the model: skipped" in skipped
    assert any(s.startswith("$.detail.diagrams[0].cells[14].source: flow 'dangling' is not attached") for s in skipped)
    assert any("a text block" in n for n in notes(plan, "info"))
    assert any("diagram 'Empty diagram' is empty" in n for n in notes(plan, "info"))


def test_threat_dragon_flow_answers_from_properties_and_boundaries():
    flows = by_id(read("threat-dragon-v2.json").flows)
    assert flows["f-prompt"].answers == {"encrypted_in_transit": True, "crosses_trust_boundary": True}
    # the knowledge base sits right of the boundary curve, like the model: no crossing
    assert flows["f-rag"].answers == {"encrypted_in_transit": True, "crosses_trust_boundary": False}
    assert flows["f-answer"].answers["encrypted_in_transit"] is True  # from protocol "https"
    assert "f-log:reverse" in flows and flows["f-log:reverse"].source == "c-log"
    assert "f-missing" not in flows and "f-dangling" not in flows


def test_threat_dragon_threats_statuses_severity_and_mitigations():
    plan = read("threat-dragon-v2.json")
    risks = by_id(plan.risks)
    assert (risks["t-inj"].status, risks["t-inj"].likelihood, risks["t-inj"].impact) == ("open", 4, 4)
    assert risks["t-inj"].mappings == ["OWASP-LLM-2025:LLM01:2025"] and risks["t-inj"].component == "c-llm"
    assert (risks["t-dos"].status, risks["t-dos"].likelihood) == ("closed", 3)
    assert risks["t-na"].status == "dismissed" and risks["t-na"].status_reason
    assert (risks["t-poison"].likelihood, risks["t-poison"].impact) == (5, 5)
    assert risks["t-odd"].status == "open" and (risks["t-odd"].likelihood, risks["t-odd"].impact) == (3, 3)
    assert "$.detail.diagrams[0].cells[1].data.threats[3].status: unknown status 'Investigating' imported as open" \
        in notes(plan, "changed")
    assert risks["t-mitm"].component is None and "On the data flow 'prompt'" in risks["t-mitm"].description
    # the same advice with the same status is one mitigation linked to each threat
    rate_limit = [m for m in plan.mitigations if m.title == "Rate-limit each customer."]
    assert sorted((m.status, sorted(m.risks)) for m in rate_limit) == [
        ("implemented", ["t-dos"]), ("proposed", ["t-mitm", "t-poison"])]
    guardrail = next(m for m in plan.mitigations if m.title == "Filter prompts with a guardrail.")
    assert guardrail.description == "Filter prompts with a guardrail.\nLog and review blocked prompts."


def test_threat_dragon_empty_model():
    plan = read("threat-dragon-empty.json")
    assert plan.system.name == "Empty model" and plan.counts() == {
        "components": 0, "flows": 0, "risks": 0, "mitigations": 0, "external_refs": 0}
    assert notes(plan) == ["$.detail.diagrams: the model has no diagram: the system is created empty"]


def test_threat_dragon_v1_layout_is_read_too():
    doc = {"summary": {"title": "v1"}, "detail": {"diagrams": [{"title": "d", "diagramJson": {"cells": [
        {"type": "tm.Actor", "id": "a", "attrs": {"text": {"text": "User"}}, "position": {"x": 0, "y": 0},
         "size": {"width": 10, "height": 10}},
        {"type": "tm.Process", "id": "p", "attrs": {"text": {"text": "Scoring model"}},
         "threats": [{"title": "Evasion", "status": "Open", "severity": "High"}]},
        {"type": "tm.Flow", "id": "f", "source": {"id": "a"}, "target": {"id": "p"}, "labels": [
            {"attrs": {"text": {"text": "features"}}}]}]}}]}}
    plan = detect.read(json.dumps(doc).encode())
    assert [(c.name, c.kind) for c in plan.components] == [("User", "input"), ("Scoring model", "model")]
    assert [(f.source, f.target, f.label) for f in plan.flows] == [("a", "p", "features")]
    assert [r.title for r in plan.risks] == ["Evasion"]


# --- Threat Composer ------------------------------------------------------------------------------------

def test_threat_composer_workspace():
    plan = read("claims-triage.tc.json")
    assert plan.format == "threat-composer" and plan.components == [] and plan.flows == []
    description = plan.system.description
    assert "### Architecture" in description and "### Data flow" in description
    assert "- **A-1** Adjusters are authenticated with SSO. (Checked with the IAM team.)" in description
    assert "$.architecture.image: diagram images are not imported" in notes(plan, "skipped")
    risks = {r.source_id[-3:]: r for r in plan.risks}
    first = risks["101"]
    assert first.title.startswith("An external threat actor who can upload a claim document")
    for part in ("Threat source: external threat actor", "Prerequisites: who can upload a claim document",
                 "Threat action: embed instructions", "Threat impact: a misleading triage note",
                 "Impacted goal: integrity", "Impacted assets: triage notes, claim decisions",
                 "STRIDE: Tampering, Elevation of privilege", "Comments: Claim documents",
                 "Owner team: Claims platform",
                 "Tags: LLM01 Prompt Injection, Fraud"):
        assert part in first.description
    assert first.mappings == ["OWASP-LLM-2025:LLM01:2025"] and (first.likelihood, first.impact) == (4, 4)
    assert risks["102"].mappings == ["OWASP-LLM-2025:LLM02:2025", "OWASP-ML-2023:ML03:2023"]
    assert risks["102"].status == "closed" and "Assumption A-1" in risks["102"].description
    assert risks["103"].status == "dismissed" and risks["103"].title == "Threat actor can guess the gateway URL"
    assert risks["104"].status == "open" and risks["104"].title == "An ünïcödé actor ✓ can send 10 MB prompts"
    assert any("unknown status 'somethingNew'" in n for n in notes(plan, "changed"))
    assert any("'Fraud' names no framework item" in n for n in notes(plan))
    mitigations = {m.source_id[-3:]: m for m in plan.mitigations}
    assert {k: m.status for k, m in mitigations.items()} == {
        "201": "in_progress", "202": "implemented", "203": "rejected", "204": "proposed"}
    assert [r[-3:] for r in mitigations["201"].risks] == ["101", "104"]
    assert any("a link to unknown threat" in n for n in notes(plan, "skipped"))


# --- OTM ---------------------------------------------------------------------------------------------------

def test_open_threat_model():
    plan = read("rag-assistant.otm.json")
    assert plan.format == "otm" and plan.source_key == "otm:rag-assistant"
    assert plan.system.answers == {"internet_facing": True}
    components = by_id(plan.components)
    assert components["llm"].kind == "model" and components["llm"].answers_for("model") == {"model_type": "llm"}
    assert components["web-client"].answers_for("input") == {"untrusted_content": True}
    assert "Processes: Staff questions" in components["web-client"].description
    flows = by_id(plan.flows)
    assert flows["df-q"].answers == {"crosses_trust_boundary": True, "encrypted_in_transit": True}
    assert flows["df-ctx"].answers == {"crosses_trust_boundary": False}
    assert "df-ctx:reverse" in flows and "df-bad" not in flows
    # the answer panel sits inside the browser component, so in the internet zone: the flow crosses
    assert flows["df-a"].answers == {"crosses_trust_boundary": True}
    risks = by_id(plan.risks)
    assert (risks["th-inj@llm"].likelihood, risks["th-inj@llm"].impact) == (4, 4)
    assert risks["th-inj@llm"].mappings == ["OWASP-LLM-2025:LLM01:2025", "MITRE-ATLAS:AML.T0051"]
    assert risks["th-leak@llm"].status == "mitigating" and risks["th-na@llm"].status == "dismissed"
    assert risks["th-xss@web-client"].status == "closed"
    assert risks["th-mitm@df-q"].component is None and risks["th-mitm@df-q"].likelihood == 3
    assert risks["th-orphan"].component is None and risks["th-orphan"].mappings == ["OWASP-ML-2023:ML02:2023"]
    mitigations = by_id(plan.mitigations)
    assert mitigations["m-csp"].status == "implemented" and mitigations["m-guard"].status == "planned"
    assert sorted(mitigations["m-guard"].risks) == ["th-inj@llm", "th-leak@llm"]
    assert mitigations["m-unused"].risks == [] and "Risk reduction in the OTM file: 20%" in \
        mitigations["m-unused"].description
    text = "\n".join(notes(plan))
    for expected in ("$.dataflows[3].destination: data flow 'to a trust zone' points at 'tz-private'",
                     "$.components[1].threats[3].threat: threat 'th-unknown' is not in the file's threats",
                     "an accepted threat is imported as open", "has another state here (recommended)"):
        assert expected in text


# --- rules -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "level"), [(0, 1), (12, 1), (13, 2), (25, 2), (50, 3), (62, 3), (63, 4), (75, 4),
                                              (88, 5), (100, 5), (None, 3), (-5, 1), (1000, 5)])
def test_percent_levels(value, level):
    assert rules.percent_level(value) == level


def test_percent_level_is_the_inverse_of_the_export():
    assert [rules.percent_level(rules.level_percent(level)) for level in range(1, 6)] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(("severity", "levels"), [("Low", (2, 2)), ("medium", (3, 3)), ("High", (4, 4)),
                                                  ("Critical", (5, 5)), ("TBD", (3, 3)), ("", (3, 3))])
def test_severity_rule(severity, levels):
    assert rules.severity_levels(severity)[:2] == levels


@pytest.mark.parametrize(("tag", "refs"), [
    ("LLM01 Prompt Injection", ["OWASP-LLM-2025:LLM01:2025"]), ("llm10", ["OWASP-LLM-2025:LLM10:2025"]),
    ("LLM04 Data/Model Poisoning", ["OWASP-LLM-2025:LLM04:2025"]), ("LLM11", []), ("XSS", []),
    ("ML06 supply chain", ["OWASP-ML-2023:ML06:2023"]), ("HTML05", []),
    ("AML.T0051.000", ["MITRE-ATLAS:AML.T0051.000"]),
    ("NIST-AI-RMF:MEASURE 2.7", ["NIST-AI-RMF:MEASURE 2.7"]),
])
def test_tags_to_framework_items(tag, refs):
    assert rules.framework_refs(tag) == refs


def test_unknown_format_and_tm_bom_are_refused_at_the_root():
    with pytest.raises(ImportProblem) as info:
        detect.read(b'{"hello": "world"}')
    assert info.value.path == "$" and "not a format this tool imports" in info.value.message
    with pytest.raises(ImportProblem) as info:
        detect.read(b'{"scope": {}, "trust_zones": []}')
    assert "TM-BOM" in info.value.message


def test_a_very_large_model_is_read_quickly():
    """About 1 MB: 400 elements, 800 flows, 1,000 threats (the preview of such a file takes about a second)."""
    import time

    cells = [{"id": f"e{i}", "shape": ("actor", "process", "store")[i % 3], "position": {"x": i, "y": i},
              "size": {"width": 10, "height": 10},
              "data": {"name": f"Element {i} ✓", "threats": [
                  {"id": f"t{i}-{j}", "title": f"Threat {j}", "status": "Open", "severity": "High",
                   "mitigation": f"Mitigation {j % 50}", "description": "ü" * 300} for j in range(i % 5)]}}
             for i in range(400)]
    cells += [{"id": f"f{k}", "shape": "flow", "source": {"cell": f"e{k % 400}"},
               "target": {"cell": f"e{(k * 7 + 1) % 400}"}, "data": {"name": f"flow {k}", "isEncrypted": True}}
              for k in range(800)]
    data = json.dumps({"summary": {"title": "Large"}, "detail": {"diagrams": [{"cells": cells}]}}).encode()
    assert len(data) > 900_000
    started = time.process_time()  # CPU time: a loaded CI machine stretches wall time, not the work done
    plan = detect.read(data)
    assert time.process_time() - started < 5
    assert plan.counts()["components"] == 400 and plan.counts()["risks"] == 800
    assert len(plan.flows) == 800 - sum(1 for k in range(800) if k % 400 == (k * 7 + 1) % 400)
