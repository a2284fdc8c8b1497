"""Re-import matching by identity: a file updates an earlier system only when it is the same file or the
same model (same name and element ids in common); a name alone ("Threat composer") asks, defaulting to new."""

import json
import uuid

import pytest

from assessments.interop import services
from assessments.models import ImportRecord

from .conftest import fixture_bytes

pytestmark = pytest.mark.django_db


def workspace(name: str, seed: int) -> bytes:
    doc = json.loads(fixture_bytes("claims-triage.tc.json"))
    doc["applicationInfo"]["name"] = name
    rename = {}
    for section in ("threats", "mitigations", "assumptions"):
        for item in doc[section]:
            rename[item["id"]] = str(uuid.UUID(int=seed * 10_000 + len(rename)))
            item["id"] = rename[item["id"]]
    for section in ("mitigationLinks", "assumptionLinks"):
        for link in doc.get(section, []):
            for key, value in list(link.items()):
                if value in rename:
                    link[key] = rename[value]
    return json.dumps(doc).encode()


def run(team, actor, data, mode=None):
    record = services.import_preview(actor=actor, team=team, data=data, filename="w.tc.json")
    return record, services.stage(record).as_dict(), services.import_confirm(actor=actor, record=record, mode=mode,
                                                                           background=False)


def test_three_workspaces_with_the_generic_name_stay_three_systems(catalog, team, contributor):
    systems = []
    for seed in (1, 2, 3):
        record, preview, applied = run(team, contributor, workspace("Threat composer", seed))
        systems.append(applied.system_id)
        if seed > 1:
            assert record.summary["identity"] == "name_only" and record.update_of is not None
            assert preview["update"]["identity"] == "name_only" and preview["update"]["default_mode"] == "new"
            assert "no element id in common" in preview["update"]["identity_text"]
            assert applied.summary["mode"] == "new"
    assert len(set(systems)) == 3


def test_a_new_version_of_the_same_workspace_updates_it(catalog, team, contributor):
    _, _, first = run(team, contributor, workspace("Threat composer", 7))
    doc = json.loads(workspace("Threat composer", 7))
    doc["applicationInfo"]["description"] = "A newer version"
    record, preview, second = run(team, contributor, json.dumps(doc).encode())
    assert record.summary["identity"] == "same_elements" and preview["update"]["default_mode"] == "update"
    assert second.system_id == first.system_id and second.summary["mode"] == "update"


def test_the_person_can_still_merge_a_name_only_match(catalog, team, contributor):
    _, _, first = run(team, contributor, workspace("Threat composer", 4))
    _, _, merged = run(team, contributor, workspace("Threat composer", 5), mode="update")
    assert merged.system_id == first.system_id


def test_the_same_file_is_recognised(catalog, team, contributor):
    _, _, first = run(team, contributor, workspace("Threat composer", 6))
    record = services.import_preview(actor=contributor, team=team, data=workspace("Threat composer", 6),
                                     filename="again.tc.json")
    assert record.summary["identity"] == "same_file" and record.update_of_id == first.pk
    assert ImportRecord.objects.filter(team=team).count() == 2
