"""Load errors: broken files are reported by file and entry, all at once, and nothing is written."""

import pytest
import yaml
from django.core.management import CommandError, call_command

from catalog.exceptions import CatalogError
from catalog.loader import read_catalog
from catalog.models import CatalogRelease, ThreatTemplate
from catalog.services import catalog_load


def _edit(data_dir, name, fn):
    path = data_dir / name
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    fn(doc)
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _threat(doc, ref):
    return next(t for t in doc["threats"] if t["ref"] == ref)


def _errors(data_dir) -> list[str]:
    with pytest.raises(CatalogError) as info:
        read_catalog(data_dir)
    return info.value.errors


def test_the_real_files_are_valid(real_catalog):
    assert real_catalog.threats and real_catalog.controls


def test_unknown_question(data_dir):
    _edit(data_dir, "threats_input.yaml", lambda d: _threat(d, "AI-IN-003").update(
        when={"all": [{"answer": "purpose", "contains": "retrieval_corpus"}, {"answer": "foo", "is": True}]}))
    assert _errors(data_dir) == ["threats_input.yaml: AI-IN-003: rule.all[1]: unknown question 'foo' in scope input"]


def test_impossible_value_and_wrong_type(data_dir):
    def breaks(doc):
        _threat(doc, "AI-IN-001")["when"] = {"answer": "source", "is": "carrier_pigeon"}
        _threat(doc, "AI-IN-002")["when"] = {"answer": "untrusted_content", "is": "yes please"}
        _threat(doc, "AI-IN-003")["when"] = {"answer": "source", "contains": "public_web"}
        _threat(doc, "AI-IN-004")["when"] = {"system": "users", "is": "public"}
        _threat(doc, "AI-IN-005")["when"] = {"upstream": "model.provider", "in": []}
    _edit(data_dir, "threats_input.yaml", breaks)
    errors = _errors(data_dir)
    assert errors[0].startswith("threats_input.yaml: AI-IN-001: rule: impossible value 'carrier_pigeon' for "
                                "input.source")
    assert errors[1].startswith("threats_input.yaml: AI-IN-002: rule: input.untrusted_content is a yes/no question")
    assert errors[2] == "threats_input.yaml: AI-IN-003: rule: 'contains' needs a multi question; input.source is choice"
    assert errors[3].startswith("threats_input.yaml: AI-IN-004: rule: system.users is a multi question")
    assert errors[4] == "threats_input.yaml: AI-IN-005: rule: 'in' needs a non-empty list of choices"
    assert len(errors) == 5


def test_malformed_rules(data_dir):
    def breaks(doc):
        _threat(doc, "AI-IN-001")["when"] = {"all": []}
        _threat(doc, "AI-IN-002")["when"] = {"answer": "source", "system": "sector", "is": "finance"}
        _threat(doc, "AI-IN-003")["when"] = {"answer": "source", "equals": "end_users"}
        _threat(doc, "AI-IN-004")["when"] = {"upstream": "provider", "exists": True}
        _threat(doc, "AI-IN-005")["when"] = "eval('1')"
        del _threat(doc, "AI-IN-006")["when"]
    _edit(data_dir, "threats_input.yaml", breaks)
    errors = _errors(data_dir)
    assert errors == [
        "threats_input.yaml: AI-IN-001: rule: 'all' needs a non-empty list of rules",
        "threats_input.yaml: AI-IN-002: rule: a condition needs exactly one subject: answer, system, inflow, outflow, "
        "upstream, downstream, reached_from, reaches",
        "threats_input.yaml: AI-IN-003: rule: unknown key 'equals' (a condition has one of answer, system, inflow, "
        "outflow, upstream, downstream, reached_from, reaches and one of is, in, contains, exists)",
        "threats_input.yaml: AI-IN-004: rule: 'upstream' needs SCOPE.KEY with SCOPE one of input, model, output",
        "threats_input.yaml: AI-IN-005: rule: must be a mapping: all, any, not or a condition",
        "threats_input.yaml: AI-IN-006: when: every threat needs a rule",
    ]


def test_duplicate_refs_across_files(data_dir):
    _edit(data_dir, "threats_model.yaml", lambda d: d["threats"].append(
        {**_threat(yaml.safe_load((data_dir / "threats_input.yaml").read_text()), "AI-IN-001")}))
    assert "threats_model.yaml: AI-IN-001: duplicate ref (also in threats_input.yaml)" in _errors(data_dir)


def test_dangling_control_and_mapping_refs(data_dir):
    def breaks(doc):
        t = _threat(doc, "AI-OUT-001")
        t["controls"] = ["CTL-001", "CTL-999"]
        t["mappings"]["MITRE-ATLAS"] = ["AML.T9999"]
        t["mappings"]["NIST-AI-600-1"] = [2.1]
    _edit(data_dir, "threats_output.yaml", breaks)
    errors = _errors(data_dir)
    assert "threats_output.yaml: AI-OUT-001: controls: unknown control 'CTL-999'" in errors
    assert "threats_output.yaml: AI-OUT-001: mappings: MITRE-ATLAS: unknown item 'AML.T9999'" in errors
    assert ("threats_output.yaml: AI-OUT-001: mappings: NIST-AI-600-1: 2.1 must be text (quote refs such as \"2.10\")"
            in errors)


def test_every_threat_needs_a_subcategory_and_a_control_and_every_control_a_capability(data_dir):
    def threat_breaks(doc):
        t = _threat(doc, "AI-SYS-001")
        t["mappings"]["NIST-AI-RMF"] = ["GOVERN"]  # a function, not a subcategory
        t["controls"] = []
    _edit(data_dir, "threats_system.yaml", threat_breaks)
    _edit(data_dir, "controls.yaml", lambda d: d["controls"][0]["mappings"].pop("CAF-AI-SEC"))
    errors = _errors(data_dir)
    assert "controls.yaml: CTL-001: mappings: needs at least one CAF-AI-SEC capability" in errors
    assert "threats_system.yaml: AI-SYS-001: mappings: needs at least one NIST-AI-RMF subcategory" in errors
    assert "threats_system.yaml: AI-SYS-001: controls: needs at least one control ref" in errors


def test_field_checks(data_dir):
    def breaks(doc):
        t = _threat(doc, "AI-MD-001")
        t["likelihood"] = 7
        t["impact"] = True
        t["phase"] = "someday"
        t["category"] = "Prompt Injection"
        t["likelyhood_rationale"] = "typo"
        t["applies_to"] = ["output"]
    _edit(data_dir, "threats_model.yaml", breaks)
    errors = [e for e in _errors(data_dir) if "AI-MD-001" in e and ": rule" not in e and "adjust[" not in e
              and "in_place[" not in e]
    assert errors == [
        "threats_model.yaml: AI-MD-001: unknown field 'likelyhood_rationale'",
        "threats_model.yaml: AI-MD-001: applies_to: a AI-MD-nnn threat must apply to model",
        "threats_model.yaml: AI-MD-001: category must be a short slug such as prompt-injection, not 'Prompt Injection'",
        "threats_model.yaml: AI-MD-001: phase must be one of design, data, development, deployment, operation",
        "threats_model.yaml: AI-MD-001: likelihood must be a whole number from 1 to 5, not 7",
        "threats_model.yaml: AI-MD-001: impact must be a whole number from 1 to 5, not True",
    ]


def test_yaml_syntax_errors_and_stray_files(data_dir):
    (data_dir / "threats_extra.yaml").write_text("threats:\n  - ref: AI-IN-900\n    title: [unclosed\n")
    (data_dir / "notes.yaml").write_text("hello: world\n")
    errors = _errors(data_dir)
    assert any(e.startswith("threats_extra.yaml: line ") and "invalid YAML" in e for e in errors)
    assert any(e.startswith("notes.yaml: unexpected file") for e in errors)


def test_questionnaire_errors_name_the_question(data_dir):
    def breaks(doc):
        doc["questions"][0]["type"] = "text"
        doc["questions"].append(dict(doc["questions"][1]))
    _edit(data_dir, "questions.yaml", breaks)
    errors = _errors(data_dir)
    assert "questions.yaml: system.internet_facing: type must be one of bool, choice, multi" in errors
    assert "questions.yaml: system.users: duplicate question" in errors


def test_errors_are_all_listed_and_the_database_is_untouched(db, data_dir, capsys):
    catalog_load()
    release = CatalogRelease.objects.get()
    before = list(ThreatTemplate.objects.order_by("ref").values_list("ref", "title", "content_hash"))

    def breaks(doc):
        _threat(doc, "AI-IN-001")["title"] = "A changed title that must not land"
        _threat(doc, "AI-IN-002")["controls"] = ["CTL-404"]
        _threat(doc, "AI-IN-003")["when"] = {"answer": "nope", "is": True}
    _edit(data_dir, "threats_input.yaml", breaks)
    with pytest.raises(CommandError, match="2 errors"):
        call_command("load_catalog", data_dir=str(data_dir))
    err = capsys.readouterr().err
    assert "threats_input.yaml: AI-IN-002: controls: unknown control 'CTL-404'" in err
    assert "threats_input.yaml: AI-IN-003: rule: unknown question 'nope' in scope input" in err
    assert list(CatalogRelease.objects.all()) == [release]
    assert list(ThreatTemplate.objects.order_by("ref").values_list("ref", "title", "content_hash")) == before
