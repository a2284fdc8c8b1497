"""The import services: preview, confirm (background apply, safe to run twice), update mapping, discard,
previews expiring, and the engine queued once per import (threatmodel.events coalesces per transaction)."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from assessments.interop import services, tasks
from assessments.models import ImportRecord, ImportStatus, Mitigation, Risk
from threatmodel import events
from threatmodel.exceptions import Conflict
from threatmodel.models import AISystem, AuditEvent

from .conftest import fixture_bytes

pytestmark = pytest.mark.django_db


def preview(team, actor, name="rag-assistant.otm.json", data=None):
    return services.import_preview(actor=actor, team=team, data=data or fixture_bytes(name), filename=name)


def test_viewers_cannot_import(catalog, team, viewer):
    with pytest.raises(PermissionDenied):
        preview(team, viewer)


def test_confirm_queues_then_the_task_applies_once(catalog, team, contributor, django_capture_on_commit_callbacks):
    record = preview(team, contributor)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        record = services.import_confirm(actor=contributor, record=record, kinds={"wiki-index": "output"})
    assert record.status == ImportStatus.APPLYING and record.options["kinds"] == {"wiki-index": "output"}
    assert len(queued) == 1 and AISystem.objects.count() == 0
    assert tasks.apply_import(record.pk) == "applied"
    assert tasks.apply_import(record.pk) == "skipped"  # delivered twice: nothing more happens
    record.refresh_from_db()
    assert record.status == ImportStatus.APPLIED and record.content == ""
    assert record.system.components.get(name="Wiki vector index").kind == "output"
    assert len(record.mapping["risks"]) == 6 and len(record.mapping["components"]) == 4
    assert AuditEvent.objects.filter(team=team, action="system.imported", object_id=str(record.system_id)).count() == 1
    with pytest.raises(Conflict):
        services.import_confirm(actor=contributor, record=record)


def test_a_bug_in_the_apply_puts_the_preview_back(catalog, team, contributor, monkeypatch):
    record = preview(team, contributor)
    ImportRecord.objects.filter(pk=record.pk).update(status=ImportStatus.APPLYING, options={"mode": "update"})

    def broken(**_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "import_apply", broken)
    assert tasks.apply_import(record.pk) == "failed"
    record.refresh_from_db()
    assert record.status == ImportStatus.PREVIEW and "unexpectedly" in record.error["message"]


def test_bad_choices_are_refused_before_queueing(catalog, team, contributor):
    record = preview(team, contributor)
    with pytest.raises(ValidationError) as info:
        services.import_confirm(actor=contributor, record=record, kinds={"llm": "robot"})
    assert "kinds" in info.value.message_dict
    with pytest.raises(ValidationError):
        services.import_confirm(actor=contributor, record=record, mode="merge")
    record.refresh_from_db()
    assert record.status == ImportStatus.PREVIEW


def test_update_keeps_what_the_team_did_and_reports_what_left_the_file(catalog, team, contributor):
    first = services.import_confirm(actor=contributor, record=preview(team, contributor), background=False)
    system = first.system
    llm = system.components.get(name="Answering LLM")
    llm_risk = Risk.objects.get(system=system, title="Indirect prompt injection from wiki pages")
    team_risk = Risk.objects.create(system=system, title="Added by the team", status="open")
    # a new version of the model: a threat state changed, a component renamed, one mitigation gone
    doc = json.loads(fixture_bytes("rag-assistant.otm.json"))
    doc["components"][1]["name"] = "Answering LLM v2"
    doc["components"][1]["threats"][0]["state"] = "mitigated"
    doc["mitigations"] = [m for m in doc["mitigations"] if m["id"] != "m-unused"]
    second = preview(team, contributor, data=json.dumps(doc).encode())
    staged = services.stage(second).as_dict()
    assert staged["update"]["system"]["id"] == system.pk and not staged["update"]["same_file"]
    assert next(r for r in staged["risks"] if r["id"] == "th-inj@llm")["status_change"] == "open → closed"
    assert staged["no_longer_in_file"] == {"mitigations": ["Red-team quarterly"]}
    second = services.import_confirm(actor=contributor, record=second, background=False)
    assert second.system == system and second.summary["mode"] == "update"
    llm.refresh_from_db()
    llm_risk.refresh_from_db()
    assert llm.name == "Answering LLM v2" and llm_risk.status == "closed"
    assert Risk.objects.filter(pk=team_risk.pk).exists()
    assert Mitigation.objects.filter(system=system, title="Red-team quarterly").exists()  # kept, not deleted
    assert second.summary["updated"]["components"] == 1 and second.summary["updated"]["risks"] >= 1
    new_copy = services.import_confirm(actor=contributor, record=preview(team, contributor), mode="new",
                                       background=False)
    assert new_copy.system != system and new_copy.update_of is None


def test_discard_and_expiry(catalog, team, contributor):
    record = preview(team, contributor)
    services.import_discard(actor=contributor, record=record)
    record.refresh_from_db()
    assert record.status == ImportStatus.DISCARDED and record.content == ""
    with pytest.raises(Conflict):
        services.import_discard(actor=contributor, record=record)
    old = preview(team, contributor)
    ImportRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    preview(team, contributor)
    assert not ImportRecord.objects.filter(pk=old.pk).exists()


def test_an_import_queues_the_engine_once(catalog, team, contributor, django_capture_on_commit_callbacks):
    calls = []

    def spy(system_id):
        calls.append(system_id)

    events.on_system_changed(spy)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            record = services.import_confirm(actor=contributor, record=preview(team, contributor,
                                                                               "threat-dragon-v2.json"),
                                             background=False)
    finally:
        events._system_changed.remove(spy)
    assert calls == [record.system_id]


def test_a_hook_dropped_by_a_savepoint_rollback_is_queued_again(django_capture_on_commit_callbacks):
    calls = []
    events.on_system_changed(calls.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            try:
                with transaction.atomic():
                    events.system_changed(7)
                    raise RuntimeError
            except RuntimeError:
                pass
            events.system_changed(7)
            events.system_changed(7)
            events.system_changed(8)
    finally:
        events._system_changed.remove(calls.append)
    assert calls == [7, 8]


@pytest.fixture
def viewer(team):
    from threatmodel.models import Role

    from ..factories import member

    return member(team, Role.VIEWER)
