"""Export a whole system, import it into another team, export again: the same document but for ids and
the export time. Also: the export validates against the published JSON Schema, and OTM round-trips."""

import copy
import json

import jsonschema
import pytest

from assessments.interop import services
from assessments.interop.export import export_system
from assessments.interop.otm_export import export_otm
from assessments.interop.views import schema_document
from assessments.models import Risk
from threatmodel.audit import audit_verify
from threatmodel.models import AISystem, AuditEvent, Role

from ..factories import join, member, rich_system

pytestmark = pytest.mark.django_db


def normalise(doc: dict) -> dict:
    """Replace the file's ids by positions and drop what an export is allowed to differ in."""
    doc = copy.deepcopy(doc)
    doc.pop("exported_at"), doc.pop("$schema")
    doc["system"].pop("id")
    components = {c["id"]: i for i, c in enumerate(doc["components"])}
    risks = {r["id"]: i for i, r in enumerate(doc["risks"])}
    mitigations = {m["id"]: i for i, m in enumerate(doc["mitigations"])}
    for i, c in enumerate(doc["components"]):
        c["id"] = i
    for i, f in enumerate(doc["flows"]):
        f["id"], f["source"], f["target"] = i, components[f["source"]], components[f["target"]]
    for i, r in enumerate(doc["risks"]):
        r["id"], r["component"] = i, components.get(r["component"])
        r.pop("fingerprint")  # the engine's digest of the facts, which include the component's id
    for i, m in enumerate(doc["mitigations"]):
        m["id"], m["risks"] = i, sorted(risks[r] for r in m["risks"])
    for ref in doc["external_refs"]:
        ref["risk"] = risks.get(ref["risk"])
        ref["mitigation"] = mitigations.get(ref["mitigation"])
    return doc


@pytest.fixture
def people(team, other_team):
    owner = member(team, Role.OWNER, username="olga")
    contributor = member(team, Role.CONTRIBUTOR, username="carl")
    join(other_team, owner, role=Role.OWNER)
    join(other_team, contributor)
    return owner, contributor


def test_export_import_export_is_identical_but_for_ids(catalog, team, other_team, people,
                                                       django_capture_on_commit_callbacks):
    owner, contributor = people
    system, facts = rich_system(team, owner=owner, contributor=contributor)
    first = export_system(system)
    assert facts["stale"].stale and any(r["stale"] for r in first["risks"])
    assert any(r["acceptance"] for r in first["risks"]) and first["privacy_assessment"]["sign_off"] is None
    assert first["reviews"] and first["reports"] and len(first["external_refs"]) == 2

    data = json.dumps(first).encode()
    record = services.import_preview(actor=owner, team=other_team, data=data, filename="support.system.json")
    preview = services.stage(record).as_dict()
    assert preview["format"] == "system-export" and preview["update"] is None
    assert [n for n in preview["notes"] if n["level"] != "info"] == []
    with django_capture_on_commit_callbacks(execute=True):
        record = services.import_confirm(actor=owner, record=record, background=False)
    restored = record.system
    assert restored.team == other_team and restored.pk != system.pk
    second = export_system(restored)
    assert normalise(second) == normalise(first)
    # Every write was audited, and the chain of the importing team still verifies.
    assert AuditEvent.objects.filter(team=other_team, action="system.imported").count() == 1
    assert AuditEvent.objects.filter(team=other_team, action="risk.restored").exists()
    assert audit_verify(team=other_team).ok


def test_restore_into_the_same_team_is_a_copy_and_a_second_import_an_update(catalog, team, people,
                                                                               django_capture_on_commit_callbacks):
    owner, contributor = people
    system, _facts = rich_system(team, owner=owner, contributor=contributor)
    data = json.dumps(export_system(system)).encode()
    record = services.import_preview(actor=owner, team=team, data=data, filename="copy.json")
    with django_capture_on_commit_callbacks(execute=True):
        record = services.import_confirm(actor=owner, record=record, background=False)
    copy_system = record.system
    assert copy_system.slug == f"{system.slug}-2"
    # Tickets are unique per team: the copy cannot take them, and says so.
    assert {n["message"].split(" is ")[0] for n in record.summary["notes"]} == {"ticket jira:10001",
                                                                               "ticket github:42"}
    again = services.import_preview(actor=owner, team=team, data=data, filename="copy.json")
    staged = services.stage(again).as_dict()
    assert staged["update"]["system"]["id"] == copy_system.pk and staged["update"]["same_file"]
    assert staged["counts"]["create"] == {}
    count = AISystem.objects.filter(team=team).count()
    with django_capture_on_commit_callbacks(execute=True):
        again = services.import_confirm(actor=owner, record=again, background=False)
    assert again.system == copy_system and AISystem.objects.filter(team=team).count() == count
    assert normalise(export_system(copy_system))["risks"] == normalise(export_system(system))["risks"]


def test_the_export_follows_the_published_schema(catalog, team, people):
    owner, contributor = people
    system, _facts = rich_system(team, owner=owner, contributor=contributor)
    jsonschema.validate(export_system(system), schema_document(),
                        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def test_the_schema_is_itself_valid():
    jsonschema.Draft202012Validator.check_schema(schema_document())


def test_otm_export_imports_back_with_the_same_model(catalog, team, other_team, people,
                                                      django_capture_on_commit_callbacks):
    owner, contributor = people
    system, _facts = rich_system(team, owner=owner, contributor=contributor)
    otm = export_otm(system)
    assert otm["otmVersion"] == "0.2.0" and len(otm["components"]) == 4 and len(otm["dataflows"]) == 3
    record = services.import_preview(actor=owner, team=other_team, data=json.dumps(otm).encode(), filename="x.otm")
    preview = services.stage(record).as_dict()
    assert all(c["kind_confirmed"] for c in preview["components"])
    with django_capture_on_commit_callbacks(execute=True):
        record = services.import_confirm(actor=owner, record=record, background=False)
    copy_system = record.system

    def model(s):
        components = {c.pk: (c.kind, c.name, c.answers) for c in s.components.all()}
        flows = sorted((components[f.source_id][1], components[f.target_id][1], f.label, sorted(f.answers.items()))
                       for f in s.flows.all())
        return sorted(components.values(), key=lambda c: c[1]), flows

    assert model(copy_system) == model(system)
    # catalog risks stay catalog risks (a dismissed one still comes back custom: the later key wins)
    risks = sorted(Risk.objects.filter(system=copy_system), key=lambda r: r.template_id is None)
    imported = {r.title: r for r in risks}
    for risk in Risk.objects.filter(system=system).exclude(status="suggested"):
        twin = imported[risk.title]
        assert (twin.likelihood, twin.impact) == (risk.likelihood, risk.impact)
        expected = {"open": "open", "mitigating": "mitigating", "closed": "closed", "dismissed": "dismissed"}
        assert twin.status == expected[risk.status]


# The required parts of the OTM 0.2.0 schema (iriusrisk/OpenThreatModel otm_schema.json), written out here.
_TEXT = {"type": "string"}
_RISK = {"type": "object", "required": ["likelihood", "impact"],
         "properties": {"likelihood": {"type": ["number", "null"]}, "impact": {"type": "number"}}}
_PARENT = {"type": "object", "oneOf": [{"required": ["trustZone"]}, {"required": ["component"]}]}
_INSTANCE = {"type": "object", "required": ["threat", "state"]}
OTM_REQUIRED = {
    "type": "object", "required": ["otmVersion", "project"],
    "properties": {
        "otmVersion": _TEXT,
        "project": {"type": "object", "required": ["name", "id"], "properties": {"name": _TEXT, "id": _TEXT}},
        "trustZones": {"type": "array", "items": {
            "type": "object", "required": ["id", "name", "risk"],
            "properties": {"risk": {"type": "object", "required": ["trustRating"],
                                    "properties": {"trustRating": {"type": "number"}}}}}},
        "components": {"type": ["array", "null"], "items": {
            "type": "object", "required": ["id", "name", "type", "parent"],
            "properties": {"parent": _PARENT, "threats": {"type": ["array", "null"], "items": _INSTANCE}}}},
        "dataflows": {"type": "array", "items": {
            "type": "object", "required": ["id", "name", "source", "destination"],
            "properties": {"bidirectional": {"type": ["boolean", "null"]}}}},
        "threats": {"type": ["array", "null"], "items": {
            "type": "object", "required": ["id", "name", "risk"], "properties": {"risk": _RISK}}},
        "mitigations": {"type": ["array", "null"], "items": {
            "type": "object", "required": ["id", "name", "riskReduction"],
            "properties": {"riskReduction": {"type": "number"}}}},
    },
}


def test_the_otm_export_has_what_the_otm_schema_requires(catalog, team, people):
    owner, contributor = people
    system, _facts = rich_system(team, owner=owner, contributor=contributor)
    otm = export_otm(system)
    jsonschema.validate(otm, OTM_REQUIRED)
    ids = {c["id"] for c in otm["components"]}
    assert all(f["source"] in ids and f["destination"] in ids for f in otm["dataflows"])
    threats = {t["id"] for t in otm["threats"]}
    mitigations = {m["id"] for m in otm["mitigations"]}
    for component in otm["components"]:
        for instance in component["threats"]:
            assert instance["threat"] in threats
            assert all(m["mitigation"] in mitigations for m in instance["mitigations"])
