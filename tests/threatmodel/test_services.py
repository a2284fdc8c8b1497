import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from threatmodel import services
from threatmodel.audit import audit_verify
from threatmodel.exceptions import VersionConflict
from threatmodel.models import AuditEvent, Component, Role, Tombstone

from ..factories import make_component, make_flow, make_system, member

pytestmark = pytest.mark.django_db


def test_system_create_validates_answers_and_audits(team, contributor):
    system = make_system(team, contributor, answers={"internet_facing": True, "users": ["customers"]})
    assert system.version == 1 and system.slug == "test-system"
    event = AuditEvent.objects.filter(team=team, action="system.created").get()
    assert event.actor == contributor and event.changes["name"] == [None, "Test system"]
    assert audit_verify(team=team).ok


@pytest.mark.parametrize("answers, key", [
    ({"nonsense": True}, "nonsense"),
    ({"internet_facing": "yes"}, "internet_facing"),
    ({"sector": "space"}, "sector"),
    ({"users": ["customers", "aliens"]}, "users"),
    ({"users": "customers"}, "users"),
])
def test_bad_answers_are_refused_naming_the_key(team, contributor, answers, key):
    with pytest.raises(ValidationError) as exc:
        make_system(team, contributor, answers=answers)
    assert any(m.startswith(f"{key}:") for m in exc.value.message_dict["answers"])
    assert not team.systems.exists()
    assert not AuditEvent.objects.filter(action="system.created").exists()


def test_component_answers_are_validated_for_its_kind(team, contributor):
    system = make_system(team, contributor)
    with pytest.raises(ValidationError) as exc:
        # tool_access is a model question, not an input question
        make_component(system, "input", answers={"tool_access": True}, actor=contributor)
    assert "tool_access: unknown question for a input" in exc.value.message_dict["answers"][0]
    component = make_component(system, "model", answers={"tool_access": True, "model_type": "llm"},
                               actor=contributor)
    assert component.answers == {"tool_access": True, "model_type": "llm"}


def test_viewer_cannot_write(team, viewer):
    with pytest.raises(PermissionDenied):
        make_system(team, viewer)


def test_outsider_cannot_write_into_another_team(team, outsider):
    with pytest.raises(PermissionDenied):
        make_system(team, outsider)


def test_update_with_stale_version_is_refused_and_nothing_written(team, contributor):
    system = make_system(team, contributor)
    services.system_update(actor=contributor, system=system, expected_version=1, name="Renamed")
    with pytest.raises(VersionConflict) as exc:
        services.system_update(actor=contributor, system=system, expected_version=1, name="Lost update")
    assert exc.value.current == 2
    system.refresh_from_db()
    assert system.name == "Renamed" and system.version == 2 and system.slug == "renamed"


def test_update_without_change_writes_no_audit_noise(team, contributor):
    system = make_system(team, contributor, answers={"internet_facing": True})
    before = AuditEvent.objects.count()
    services.system_update(actor=contributor, system=system, answers={"internet_facing": True})
    system.refresh_from_db()
    assert system.version == 1 and AuditEvent.objects.count() == before


def test_flow_ends_must_belong_to_the_system(team, contributor):
    system = make_system(team, contributor)
    other = make_system(team, contributor, name="Other")
    a = make_component(system, "input", actor=contributor)
    b = make_component(other, "model", actor=contributor)
    with pytest.raises(ValidationError) as exc:
        make_flow(system, a, b, actor=contributor)
    assert "target" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        make_flow(system, a, a, actor=contributor)
    assert "target" in exc.value.message_dict


def test_component_delete_leaves_tombstones_for_it_and_its_flows(team, contributor):
    system = make_system(team, contributor)
    a = make_component(system, "input", actor=contributor)
    b = make_component(system, "model", actor=contributor)
    flow = make_flow(system, a, b, answers={"personal_data": True}, actor=contributor)
    services.component_delete(actor=contributor, component=a)
    assert not Component.objects.filter(pk=a.pk).exists()
    stones = set(Tombstone.objects.values_list("object_type", "object_id"))
    assert {("component", str(a.pk)), ("flow", str(flow.pk))} <= stones
    assert audit_verify(team=team).ok


def test_membership_keeps_one_owner(team, owner):
    with pytest.raises(ValidationError):
        services.membership_set(actor=owner, team=team, user=owner, role=Role.VIEWER)
    other = member(team, Role.CONTRIBUTOR)
    services.membership_set(actor=owner, team=team, user=other, role=Role.OWNER)
    services.membership_set(actor=owner, team=team, user=owner, role=Role.VIEWER)


def test_api_token_is_stored_as_digest_only(team, owner):
    token, raw = services.api_token_create(actor=owner, team=team, user=owner, name="ci", scopes=["read"])
    assert raw.startswith("tmk_") and raw not in (token.digest, token.prefix)
    assert len(token.digest) == 64 and token.is_active
    services.api_token_revoke(actor=owner, token=token)
    token.refresh_from_db()
    assert not token.is_active
