"""The register kept in step with the model and the catalog (assessments.resuggest)."""

import shutil

import pytest
import yaml
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments import services
from assessments.models import Risk, RiskStatus, SystemReviewState
from assessments.resuggest import resuggest_system, system_facts
from assessments.selectors import new_since_review_count
from catalog.engine import evaluate
from threatmodel import services as tm
from threatmodel.audit import audit_verify
from threatmodel.models import AuditEvent, Component, Tombstone

from ..factories import make_component, make_support_system, make_system

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


def risk(system, ref, component_name=None) -> Risk:
    qs = Risk.objects.filter(system=system, template__ref=ref)
    return qs.get(component__name=component_name) if component_name else qs.get(component__isnull=True)


def chat_of(system) -> Component:
    return Component.objects.get(system=system, name="Customer chat")


def writes(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)]


def test_new_matches_become_suggestions_with_why_and_defaults(system, catalog):
    risks = Risk.objects.filter(system=system).select_related("template", "component")
    matches = evaluate(catalog, system.answers, *system_facts(system))
    assert risks.count() == len(matches) > 20
    injection = risk(system, "AI-IN-001", "Customer chat")
    info = catalog.threats["AI-IN-001"]
    assert injection.status == RiskStatus.SUGGESTED and not injection.stale
    assert injection.title == info.title and injection.template.description == injection.description
    assert (injection.likelihood, injection.impact) == (info.default_likelihood, info.default_impact)
    assert (injection.residual_likelihood, injection.residual_impact) == (injection.likelihood, injection.impact)
    assert "input 'Customer chat' has untrusted_content = true" in injection.why
    assert len(injection.fingerprint) == 64
    system_wide = risk(system, "AI-SYS-004")
    assert system_wide.component_id is None
    events = AuditEvent.objects.filter(team=system.team, action="risk.suggested")
    assert events.count() == risks.count() and events.first().actor is None
    assert audit_verify(team=system.team).ok


def test_resuggest_twice_changes_nothing_and_writes_nothing(system):
    before = list(Risk.objects.filter(system=system).order_by("id").values_list("id", "version", "updated_at"))
    events = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as ctx:
        result = resuggest_system(system.pk)
    assert not result.changed and result.matches == len(before)
    assert writes(ctx) == []
    assert len(ctx.captured_queries) <= 10  # a fixed number of reads, whatever the size of the register
    assert AuditEvent.objects.count() == events
    assert list(Risk.objects.filter(system=system).order_by("id").values_list("id", "version", "updated_at")) == before


def test_unacted_suggestion_that_no_longer_matches_is_removed_with_a_tombstone(system, contributor):
    chat = chat_of(system)
    tm.component_update(actor=contributor, component=chat, answers={**chat.answers, "purpose": ["prompt", "training"]})
    added = resuggest_system(system.pk)
    assert added.created
    gone = added.created
    chat.refresh_from_db()
    tm.component_update(actor=contributor, component=chat, answers={**chat.answers, "purpose": ["prompt"]})
    result = resuggest_system(system.pk)
    assert sorted(result.removed) == sorted(gone)
    assert not Risk.objects.filter(pk__in=gone).exists()
    stones = set(Tombstone.objects.filter(object_type="risk").values_list("object_id", flat=True))
    assert {str(pk) for pk in gone} <= stones
    assert AuditEvent.objects.filter(action="risk.removed").count() == len(gone)
    assert audit_verify(team=system.team).ok


def test_acted_risk_that_no_longer_matches_is_kept_stale_and_cleared_when_it_matches_again(system, contributor):
    chat = chat_of(system)
    tm.component_update(actor=contributor, component=chat, answers={**chat.answers, "purpose": ["prompt", "training"]})
    new_ids = resuggest_system(system.pk).created
    opened = Risk.objects.get(pk=new_ids[0])
    services.risk_transition(actor=contributor, risk=opened, status="open")
    edited = Risk.objects.get(pk=new_ids[1])
    services.risk_update(actor=contributor, risk=edited, title="Reworded")  # still suggested, but a person acted
    chat.refresh_from_db()
    tm.component_update(actor=contributor, component=chat, answers={**chat.answers, "purpose": ["prompt"]})
    result = resuggest_system(system.pk)
    assert set(result.staled) == {opened.pk, edited.pk}
    opened.refresh_from_db()
    assert opened.stale and opened.status == RiskStatus.OPEN
    assert "no longer applies" in opened.stale_reason and "training" in opened.stale_reason
    assert not resuggest_system(system.pk).changed  # stale twice is still one event
    chat.refresh_from_db()
    tm.component_update(actor=contributor, component=chat, answers={**chat.answers, "purpose": ["prompt", "training"]})
    result = resuggest_system(system.pk)
    opened.refresh_from_db()
    assert opened.pk in result.refreshed and not opened.stale and opened.stale_reason == ""


def test_dismissed_stays_dismissed_while_the_facts_are_the_same(system, contributor):
    injection = risk(system, "AI-IN-001", "Customer chat")
    services.risk_transition(actor=contributor, risk=injection, status="dismissed", reason="Gateway filters it")
    tm.system_update(actor=contributor, system=system, description="Unrelated edit")
    kb = Component.objects.get(system=system, name="Help-centre articles")
    tm.component_update(actor=contributor, component=kb, answers={**kb.answers, "access_controlled": True})
    resuggest_system(system.pk)
    injection.refresh_from_db()
    assert injection.status == RiskStatus.DISMISSED and injection.status_reason == "Gateway filters it"


def test_dismissed_comes_back_as_suggested_with_a_note_when_the_facts_change(system, contributor):
    injection = risk(system, "AI-IN-001", "Customer chat")
    services.risk_transition(actor=contributor, risk=injection, status="dismissed", reason="Gateway filters it")
    old_fingerprint = Risk.objects.get(pk=injection.pk).fingerprint
    chat = chat_of(system)
    tm.component_update(actor=contributor, component=chat, answers={**chat.answers, "purpose": ["prompt", "training"]})
    result = resuggest_system(system.pk)
    injection.refresh_from_db()
    assert injection.pk in result.resuggested
    assert injection.status == RiskStatus.SUGGESTED and injection.fingerprint != old_fingerprint
    assert "facts behind it changed" in injection.status_reason and "Gateway filters it" in injection.status_reason
    event = AuditEvent.objects.filter(action="risk.resuggested", object_id=str(injection.pk)).get()
    assert event.changes["status"] == ["dismissed", "suggested"]
    assert not resuggest_system(system.pk).changed
    # It was acted on (dismissed once): if the facts change back it is kept, flagged stale, not removed.
    chat.refresh_from_db()
    tm.component_update(actor=contributor, component=chat, answers={**chat.answers, "untrusted_content": False})
    resuggest_system(system.pk)
    assert Risk.objects.get(pk=injection.pk).stale


def test_deleting_a_component_keeps_decisions_stale_and_removes_untouched_suggestions(system, contributor):
    injection = risk(system, "AI-IN-001", "Customer chat")
    services.risk_transition(actor=contributor, risk=injection, status="open")
    chat = chat_of(system)
    untouched = list(Risk.objects.filter(component=chat).exclude(pk=injection.pk).values_list("pk", flat=True))
    tm.component_delete(actor=contributor, component=chat)
    result = resuggest_system(system.pk)
    injection.refresh_from_db()
    assert injection.stale and injection.component_id is None
    assert injection.stale_reason == "The component it was found on was deleted."
    assert set(untouched) <= set(result.removed)
    assert audit_verify(team=system.team).ok


def test_the_hook_resuggests_on_commit_when_the_model_changes(catalog, team, contributor,
                                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        system = make_system(team, contributor, answers={"internet_facing": True})
    assert Risk.objects.filter(system=system).exists()  # system-wide threats
    count = Risk.objects.filter(system=system).count()
    with django_capture_on_commit_callbacks(execute=True):
        make_component(system, "model", name="LLM", answers={"model_type": "llm", "tool_access": True},
                       actor=contributor)
    assert Risk.objects.filter(system=system, component__name="LLM").count() > 0
    assert Risk.objects.filter(system=system).count() > count


def test_hook_failures_never_reach_the_request(catalog, team, contributor, django_capture_on_commit_callbacks,
                                               monkeypatch, caplog):
    def boom(*args, **kwargs):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr("assessments.resuggest.evaluate", boom)
    with django_capture_on_commit_callbacks(execute=True):
        system = make_system(team, contributor)
    assert system.pk and "re-suggest of system" in caplog.text


def test_custom_risks_are_left_alone(system, contributor):
    custom = services.risk_create(actor=contributor, system=system, title="Vendor lock-in")
    resuggest_system(system.pk)
    custom.refresh_from_db()
    assert custom.version == 1 and not custom.stale


def test_a_system_deleted_before_its_task_runs_is_a_no_op(system, owner):
    pk = system.pk
    tm.system_delete(actor=owner, system=system)
    assert not resuggest_system(pk).changed


def _catalog_copy_with_new_threat(tmp_path, settings) -> str:
    data = tmp_path / "data"
    shutil.copytree(settings.CATALOG_DATA_DIR, data)
    path = data / "threats_system.yaml"
    doc = yaml.safe_load(path.read_text())
    template = next(t for t in doc["threats"] if t["ref"] == "AI-SYS-004")
    doc["threats"].append({**template, "ref": "AI-SYS-900", "title": "A threat new in this release"})
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    return str(data)


def test_a_catalog_release_resuggests_every_system_and_counts_new_threats(system, contributor, tmp_path, settings,
                                                                          django_capture_on_commit_callbacks):
    assert new_since_review_count(system) == 0
    other = make_support_system(system.team, contributor)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_catalog", quiet=True, data_dir=_catalog_copy_with_new_threat(tmp_path, settings),
                     stdout=open("/dev/null", "w"))  # noqa: SIM115
    for s in (system, other):
        assert Risk.objects.filter(system=s, template__ref="AI-SYS-900").count() == 1
        assert new_since_review_count(s) == 1
    services.system_mark_reviewed(actor=contributor, system=system)
    assert new_since_review_count(system) == 0 and new_since_review_count(other) == 1
    state = SystemReviewState.objects.get(system=system)
    assert state.reviewed_by == contributor and state.reviewed_catalog_version
    # A change to the model afterwards is the team's own doing: it does not count as new.
    chat = chat_of(other)
    tm.component_update(actor=contributor, component=chat, answers={**chat.answers, "purpose": ["prompt", "training"]})
    assert resuggest_system(other.pk).created
    assert new_since_review_count(other) == 1
