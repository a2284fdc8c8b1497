"""Lint of the real catalog data: breadth, refs, mappings and coverage the issue asks for."""

import re

import pytest
from django.core.management import CommandError, call_command

from catalog.coverage import coverage_failures, coverage_from_loaded
from catalog.engine import evaluate
from catalog.loader import FRAMEWORK_KEYS
from tests.bench.bench_catalog import synthetic_system


def items_of(real_catalog, key, kind=None):
    return [i for i in real_catalog.items[key].values() if kind is None or i["kind"] == kind]


def covered(real_catalog):
    return {(fw, ref) for entries in (real_catalog.threats, real_catalog.controls) for e in entries.values()
            for fw, ref in e["mappings"]}


def test_breadth(real_catalog):
    assert len(real_catalog.threats) >= 130
    assert len(real_catalog.controls) >= 100
    assert set(real_catalog.frameworks) == set(FRAMEWORK_KEYS)


def test_every_threat_has_a_subcategory_a_control_and_a_rationale(real_catalog):
    subcategories = {i["ref"] for i in items_of(real_catalog, "NIST-AI-RMF", "subcategory")}
    for threat in real_catalog.threats.values():
        assert any(fw == "NIST-AI-RMF" and ref in subcategories for fw, ref in threat["mappings"]), threat["ref"]
        assert threat["controls"] and set(threat["controls"]) <= set(real_catalog.controls), threat["ref"]
        assert threat["likelihood_rationale"] and threat["impact_rationale"], threat["ref"]


def test_every_control_has_a_subcategory_and_a_capability_and_is_used(real_catalog):
    used = {c for t in real_catalog.threats.values() for c in t["controls"]}
    for control in real_catalog.controls.values():
        frameworks = {fw for fw, _ in control["mappings"]}
        assert {"NIST-AI-RMF", "CAF-AI-SEC"} <= frameworks, control["ref"]
        assert control["verification"], control["ref"]
        assert control["ref"] in used, f"{control['ref']} is suggested by no threat"


def test_ai_rmf_is_complete(real_catalog):
    assert [i["ref"] for i in items_of(real_catalog, "NIST-AI-RMF", "function")] == ["GOVERN", "MAP", "MEASURE",
                                                                                      "MANAGE"]
    assert len(items_of(real_catalog, "NIST-AI-RMF", "category")) == 19
    subcategories = items_of(real_catalog, "NIST-AI-RMF", "subcategory")
    assert len(subcategories) == 72
    assert subcategories[0]["ref"] == "GOVERN 1.1" and subcategories[-1]["ref"] == "MANAGE 4.3"
    for item in subcategories:
        assert re.fullmatch(r"(GOVERN|MAP|MEASURE|MANAGE) \d+\.\d+", item["ref"]), item["ref"]
        assert item["ref"].startswith(item["parent"] + "."), item["ref"]


def test_framework_ids_are_as_published(real_catalog):
    assert [i["ref"] for i in items_of(real_catalog, "OWASP-LLM-2025")] == [f"LLM{n:02d}:2025" for n in range(1, 11)]
    assert [i["ref"] for i in items_of(real_catalog, "OWASP-ML-2023")] == [f"ML{n:02d}:2023" for n in range(1, 11)]
    assert [i["ref"] for i in items_of(real_catalog, "NIST-AI-600-1")] == [f"2.{n}" for n in range(1, 13)]
    capabilities = items_of(real_catalog, "CAF-AI-SEC", "capability")
    assert len(capabilities) == 9
    for cap in capabilities:
        children = [i["ref"] for i in items_of(real_catalog, "CAF-AI-SEC") if i["parent"] == cap["ref"]]
        assert children == [f"{cap['ref']}/{part}" for part in ("input", "model", "output")]
    for item in items_of(real_catalog, "MITRE-ATLAS"):
        assert re.fullmatch(r"AML\.(T\d{4}(\.\d{3})?|M\d{4})", item["ref"]), item["ref"]
        if item["kind"] == "sub-technique":
            assert item["ref"].rsplit(".", 1)[0] == item["parent"], item["ref"]


def test_coverage_of_owasp_ml_ai_rmf_functions_and_capabilities(real_catalog):
    mapped = covered(real_catalog)
    for n in range(1, 11):
        assert ("OWASP-LLM-2025", f"LLM{n:02d}:2025") in mapped
        assert ("OWASP-ML-2023", f"ML{n:02d}:2023") in mapped
    coverage = {c.key: c for c in coverage_from_loaded(real_catalog)}
    assert coverage["NIST-AI-RMF"].by_kind["function"] == [4, 4]
    assert coverage["CAF-AI-SEC"].by_kind["capability"] == [9, 9]
    assert coverage_failures(list(coverage.values())) == []


def test_the_topics_the_issue_names_are_there(real_catalog):
    threats = real_catalog.threats.values()

    def some(**kw):
        return [t for t in threats if all((k, v) in map(tuple, t["mappings"]) if k in FRAMEWORK_KEYS else t[k] == v
                                          for k, v in kw.items())]

    # direct and indirect injection, jailbreak, membership inference, inversion, extraction
    for atlas in ("AML.T0051.000", "AML.T0051.001", "AML.T0054", "AML.T0024.000", "AML.T0024.001", "AML.T0024.002"):
        assert some(**{"MITRE-ATLAS": atlas}), atlas
    for category in ("shadow-ai", "model-drift", "bias", "human-oversight", "detection-and-response",
                     "credential-theft", "supply-chain", "misinformation", "over-reliance", "excessive-agency"):
        assert some(category=category), category


def test_every_threat_can_fire(compiled):
    """No rule is a contradiction: each matches some synthetic system (deterministic seeds)."""
    fired = set()
    for seed in range(40):
        system, components, flows = synthetic_system(compiled, n=40, seed=seed)
        fired |= {m.threat_ref for m in evaluate(compiled, system, components, flows)}
    assert set(compiled.threats) - fired == set()


@pytest.mark.django_db
def test_catalog_coverage_command(loaded, capsys):
    call_command("catalog_coverage")
    out = capsys.readouterr().out
    assert re.search(r"OWASP-LLM-2025 +10/10", out) and "NIST-AI-RMF" in out and "subcategory" in out
    assert re.search(r"OWASP-AGENTIC-2026 +10/10", out)
    assert "out of scope: COSAI-RISK-MAP riskFederatedDistributedTrainingPrivacy: " in out


@pytest.mark.django_db
def test_catalog_coverage_fails_on_a_required_gap(loaded):
    from catalog.models import ControlTemplate, ThreatTemplate

    for model in (ThreatTemplate, ControlTemplate):
        for template in model.objects.filter(mappings__framework__key="OWASP-LLM-2025", mappings__ref="LLM07:2025"):
            template.mappings.remove(*template.mappings.filter(ref="LLM07:2025"))
    with pytest.raises(CommandError, match="1 required item uncovered"):
        call_command("catalog_coverage")


@pytest.mark.django_db
def test_catalog_coverage_needs_a_loaded_catalog():
    with pytest.raises(CommandError, match="no catalog loaded"):
        call_command("catalog_coverage")
