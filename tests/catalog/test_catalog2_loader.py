"""Catalog 2 load-time checks: every question is read, generative-only mappings, threat extras,
framework attribution and coverage of the agentic and CoSAI frameworks."""

import pytest
import yaml

from catalog.coverage import OUT_OF_SCOPE, coverage_failures, coverage_from_loaded
from catalog.exceptions import CatalogError
from catalog.loader import read_catalog


def _edit(data_dir, name, fn):
    path = data_dir / name
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    fn(doc)
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _threat(doc, ref):
    return next(t for t in doc["threats"] if t["ref"] == ref)


def _map(threat, framework, ref):
    """Add a mapping with its rationale, so only the check under test can fail."""
    threat["mappings"][framework] = [ref]
    threat["mapping_notes"][ref] = "A rationale, so the load fails only on the rule being tested."


def _errors(data_dir) -> list[str]:
    with pytest.raises(CatalogError) as info:
        read_catalog(data_dir)
    return info.value.errors


def test_a_question_no_rule_reads_fails_the_load(data_dir):
    _edit(data_dir, "questions.yaml", lambda d: d["questions"].append(
        {"scope": "model", "key": "quantised", "label": "Is it quantised?", "type": "bool"}))
    assert _errors(data_dir) == [
        "questions.yaml: model.quantised: no rule reads this question (every answer must be able to change the result)"]


def test_a_question_read_only_by_a_score_adjustment_counts_as_read(data_dir):
    def breaks(doc):
        doc["questions"].append({"scope": "model", "key": "quantised", "label": "Is it quantised?", "type": "bool"})
    _edit(data_dir, "questions.yaml", breaks)
    _edit(data_dir, "threats_model.yaml", lambda d: _threat(d, "AI-MD-001").setdefault("adjust", []).append(
        {"when": {"answer": "quantised", "is": True}, "likelihood": 1, "reason": "Quantised models refuse less."}))
    assert read_catalog(data_dir).threats["AI-MD-001"]["adjust"]


def test_an_llm_only_item_on_a_threat_that_can_match_a_non_generative_model_is_refused(data_dir):
    _edit(data_dir, "threats_model.yaml", lambda d: _map(_threat(d, "AI-MD-010"), "OWASP-LLM-2025", "LLM10:2025"))
    errors = _errors(data_dir)
    assert len(errors) == 1 and errors[0].startswith(
        "threats_model.yaml: AI-MD-010: mappings: OWASP-LLM-2025 LLM10:2025 only concern generative AI")


def test_an_agentic_item_needs_a_rule_that_implies_a_generative_model(data_dir):
    _edit(data_dir, "threats_model.yaml", lambda d: _map(_threat(d, "AI-MD-030"), "OWASP-AGENTIC-2026", "ASI01"))
    assert "AI-MD-030: mappings: OWASP-AGENTIC-2026 ASI01 only concern generative AI" in _errors(data_dir)[0]


def test_threat_extras_are_checked(data_dir):
    def breaks(doc):
        t = _threat(doc, "AI-MD-001")
        t["adjust"] = [{"when": {"answer": "guardrails", "is": True}, "likelihood": 7, "reason": ""},
                       {"when": {"answer": "nope", "is": True}, "impact": 1, "reason": "x"}]
        t["in_place"] = [{"when": {"answer": "guardrails", "is": True}, "control": "CTL-099", "reason": "x"}]
        t["mapping_notes"] = {"AML.T0000": "not mapped"}
        t["probes"] = [{"check": "x", "kind": "sometimes"}]
        t["detection"] = {"signals": []}
        t["references"] = [{"title": "x", "ref": "CS1"}]
    _edit(data_dir, "threats_model.yaml", breaks)
    errors = [e.removeprefix("threats_model.yaml: AI-MD-001: ") for e in _errors(data_dir)]
    assert "adjust[0]: likelihood must be a change from -3 to 3, not 7" in errors
    assert "adjust[0]: reason must be text (it is shown next to the score)" in errors
    assert "adjust[1].when: unknown question 'nope' in scope model" in errors
    assert "in_place[0]: control 'CTL-099' is not one of the threat's controls" in errors
    assert "mapping_notes: AML.T0000 is not one of the threat's mappings" in errors
    assert "probes[0]: expect must be text" in errors and "probes[0]: kind must be one of automated, manual" in errors
    assert "detection: signals must be a non-empty list of text" in errors
    assert "references[0]: ref must be an ATLAS case study id such as AML.CS0000" in errors


def test_context_adjustments_read_system_answers_only(data_dir):
    _edit(data_dir, "scoring.yaml", lambda d: d["adjustments"].append(
        {"when": {"answer": "internet_facing", "is": True}, "likelihood": 1, "reason": "x"}))
    assert "scoring.yaml: adjustments[6]: when: context adjustments read system answers only (system: KEY)" in (
        _errors(data_dir))


def test_context_adjustments_are_folded_into_the_threats_they_select(real_catalog):
    injection = real_catalog.threats["AI-IN-001"]["adjust"]
    assert any(a.get("context") and "internet" in a["reason"] for a in injection)
    orphaned = real_catalog.threats["AI-SYS-009"]["adjust"]
    assert not any(a.get("context") and "internet" in a["reason"] for a in orphaned)


def test_counts_and_framework_coverage(real_catalog):
    assert len(real_catalog.threats) >= 130 and len(real_catalog.controls) >= 100
    coverage = {c.key: c for c in coverage_from_loaded(real_catalog)}
    assert coverage["OWASP-AGENTIC-2026"].covered == coverage["OWASP-AGENTIC-2026"].total == 10
    cosai = coverage["COSAI-RISK-MAP"]
    risks = [i for i in real_catalog.items["COSAI-RISK-MAP"].values() if i["kind"] == "risk"]
    assert len(risks) == 36
    uncovered = {i.ref for i in cosai.uncovered if i.kind == "risk"}
    assert uncovered == {ref for fw, ref in OUT_OF_SCOPE if fw == "COSAI-RISK-MAP"}
    assert all(len(reason) > 40 for reason in OUT_OF_SCOPE.values())
    assert coverage_failures(list(coverage.values())) == []


def test_attribution_and_generative_only_flags(real_catalog):
    cosai = real_catalog.frameworks["COSAI-RISK-MAP"]
    assert "Apache License 2.0" in cosai["attribution"]
    assert real_catalog.frameworks["OWASP-LLM-2025"]["generative_only"]
    assert real_catalog.frameworks["OWASP-AGENTIC-2026"]["generative_only"]
    assert not real_catalog.frameworks["MITRE-ATLAS"]["generative_only"]
    agentic = [i["ref"] for i in real_catalog.items["OWASP-AGENTIC-2026"].values()]
    assert agentic == [f"ASI{n:02d}" for n in range(1, 11)]


def test_the_mappings_the_review_found_wrong_are_fixed(real_catalog):
    t = real_catalog.threats

    def refs(ref, fw):
        return {r for f, r in t[ref]["mappings"] if f == fw}
    assert "AML.T0048.004" not in refs("AI-OUT-016", "MITRE-ATLAS"), "IP infringement is not theft of our IP"
    assert "AML.T0031" not in refs("AI-OUT-013", "MITRE-ATLAS") | refs("AI-OUT-022", "MITRE-ATLAS")
    assert "AML.T0046" not in refs("AI-IN-009", "MITRE-ATLAS"), "feedback skewing is not chaff data"
    assert "LLM10:2025" not in refs("AI-MD-010", "OWASP-LLM-2025")
    assert "LLM01:2025" not in refs("AI-MD-002", "OWASP-LLM-2025")
    for ref in ("AI-MD-031", "AI-IN-017", "AI-IN-018"):
        assert "ML08:2023" not in refs(ref, "OWASP-ML-2023"), "natural drift is not adversarial skewing"
    with_manage_23 = [ref for ref in t if "MANAGE 2.3" in refs(ref, "NIST-AI-RMF")]
    assert with_manage_23 == ["AI-SYS-003"], "previously unknown risks: only the incident response gap"
    for ref in ("AI-MD-025", "AI-MD-011", "AI-IN-007"):
        assert "GOVERN 6.1" not in refs(ref, "NIST-AI-RMF"), "internal theft is not a third-party risk"


def test_merged_near_duplicates_are_gone(real_catalog):
    for ref in ("AI-IN-023", "AI-MD-038", "AI-MD-039", "AI-MD-017", "AI-MD-019", "AI-MD-032", "AI-IN-013"):
        assert ref not in real_catalog.threats, ref
    transit = real_catalog.threats["AI-IN-022"]
    assert transit["applies_to"] == ["input", "model"]
    assert any("personal data" in a["reason"] for a in transit["adjust"])


def test_new_threats_carry_notes_detection_and_probes(real_catalog):
    files = ("threats_agentic.yaml", "threats_governance.yaml")
    new = [t for t in real_catalog.threats.values() if t["source"] in files]
    assert len(new) >= 35
    for threat in new:
        assert threat["probes"] and threat["detection"]["signals"] and threat["detection"]["log_sources"], threat["ref"]
        assert {r for _, r in threat["mappings"]} <= set(threat["mapping_notes"]), threat["ref"]


def test_every_threat_has_detection_and_probes(real_catalog):
    for threat in real_catalog.threats.values():
        assert threat["detection"]["signals"] and threat["detection"]["log_sources"], threat["ref"]
        assert threat["probes"] and all(p["check"] and p["expect"] for p in threat["probes"]), threat["ref"]
    injection = real_catalog.threats["AI-IN-001"]["probes"][0]
    assert injection["payload"] and "refused" in injection["expect"], "example payloads and the safe behaviour"


def test_every_mapping_of_every_framework_carries_a_one_line_rationale(real_catalog):
    missing = [(t["ref"], fw, ref) for t in real_catalog.threats.values() for fw, ref in t["mappings"]
               if not t["mapping_notes"].get(ref)]
    assert missing == []
    noted = {fw for t in real_catalog.threats.values() for fw, ref in t["mappings"] if t["mapping_notes"].get(ref)}
    assert {"NIST-AI-RMF", "CAF-AI-SEC", "NIST-AI-600-1"} <= noted  # the frameworks once left without notes
    notes = [note for t in real_catalog.threats.values() for note in t["mapping_notes"].values()]
    assert all("\n" not in note and len(note) <= 160 for note in notes)


def test_a_mapping_without_a_rationale_fails_the_load(data_dir):
    def drops_one_note(doc):
        del _threat(doc, "AI-IN-001")["mapping_notes"]["MEASURE 2.7"]
    _edit(data_dir, "threats_input.yaml", drops_one_note)
    assert _errors(data_dir) == [
        "threats_input.yaml: AI-IN-001: mapping_notes: NIST-AI-RMF MEASURE 2.7 has no rationale"
        " (one line on why the threat maps there)"]


def test_a_threat_with_no_mapping_notes_at_all_names_every_missing_pair(data_dir):
    _edit(data_dir, "threats_input.yaml", lambda d: _threat(d, "AI-IN-024").pop("mapping_notes"))
    errors = [e.removeprefix("threats_input.yaml: AI-IN-024: ") for e in _errors(data_dir)]
    assert "mapping_notes: NIST-AI-RMF MEASURE 2.7 has no rationale (one line on why the threat maps there)" in errors
    assert "mapping_notes: CAF-AI-SEC identity-and-access-management/input has no rationale" \
        " (one line on why the threat maps there)" in errors
    assert "mapping_notes: NIST-AI-600-1 2.9 has no rationale (one line on why the threat maps there)" in errors
    assert all(e.startswith("mapping_notes: ") for e in errors)
