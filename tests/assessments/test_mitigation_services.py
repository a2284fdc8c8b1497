"""Register services for mitigations: validation naming the field with nothing written, links, transitions,
residual scores that follow them, deletion with tombstones, and external references."""

import pytest
from django.core.exceptions import ValidationError

from assessments import services
from assessments.models import ExternalRef, Mitigation, Risk
from threatmodel.audit import audit_verify
from threatmodel.exceptions import VersionConflict
from threatmodel.models import AuditEvent, Role, Tombstone

from ..factories import custom_risk, in_days, make_system, member

pytestmark = pytest.mark.django_db


# --- mitigations and residual scores ----------------------------------------------------------

def test_mitigation_from_a_control_and_residual_following_its_state(suggested, contributor):
    assert (suggested.residual_likelihood, suggested.residual_impact) == (suggested.likelihood, suggested.impact)
    m = services.mitigation_create(actor=contributor, system=suggested.system, control="CTL-001",
                                   risks=[suggested], owner=contributor, due=in_days(14))
    assert m.title == m.control.title and m.kind == "preventive" and m.status == "proposed"
    risk = Risk.objects.get(pk=suggested.pk)
    assert risk.acted and risk.version == suggested.version + 1
    for status in ("planned", "in_progress", "implemented"):
        m = services.mitigation_transition(actor=contributor, mitigation=m, status=status)
    risk.refresh_from_db()
    assert risk.residual_likelihood == suggested.likelihood - 1 and risk.residual_impact == suggested.impact
    with pytest.raises(ValidationError) as exc:
        services.mitigation_transition(actor=contributor, mitigation=m, status="verified")
    assert "evidence" in exc.value.message_dict
    m = services.mitigation_update(actor=contributor, mitigation=m, evidence="Pen test report",
                                   evidence_links=["https://tickets.example.invalid/SEC-1"])
    m = services.mitigation_transition(actor=contributor, mitigation=m, status="verified")
    risk.refresh_from_db()
    assert risk.residual_likelihood == max(1, suggested.likelihood - 2)
    history = AuditEvent.objects.filter(object_type="assessments.risk", object_id=str(risk.pk))
    assert set(history.values_list("action", flat=True)) >= {"risk.mitigation_linked", "risk.residual_updated"}
    assert audit_verify(team=suggested.system.team).ok


def test_residual_override_needs_a_reason_and_can_be_cleared(suggested, contributor):
    with pytest.raises(ValidationError) as exc:
        services.risk_set_residual(actor=contributor, risk=suggested, likelihood=1, impact=1, reason="")
    assert "residual_override_reason" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.risk_set_residual(actor=contributor, risk=suggested, likelihood=7, impact=1, reason="x")
    assert "residual_likelihood" in exc.value.message_dict
    risk = services.risk_set_residual(actor=contributor, risk=suggested, likelihood=1, impact=2, reason="WAF rule")
    assert risk.residual_overridden and (risk.residual_likelihood, risk.residual_impact) == (1, 2)
    m = services.mitigation_create(actor=contributor, system=risk.system, title="Filter", risks=[risk])
    services.mitigation_transition(actor=contributor, mitigation=m, status="in_progress")
    services.mitigation_transition(actor=contributor, mitigation=m, status="implemented")
    risk.refresh_from_db()
    assert (risk.residual_likelihood, risk.residual_impact) == (1, 2)  # the override holds
    risk = services.risk_set_residual(actor=contributor, risk=risk, override=False)
    assert not risk.residual_overridden
    assert (risk.residual_likelihood, risk.residual_impact) == (suggested.likelihood - 1, suggested.impact)


@pytest.mark.parametrize("kwargs, field", [
    ({"title": ""}, "title"),
    ({"control": "CTL-999"}, "control"),
    ({"kind": "magic"}, "kind"),
    ({"evidence_links": ["javascript:alert(1)"]}, "evidence_links"),
    ({"due": "31/12/2030"}, "due"),
])
def test_invalid_mitigation_names_the_field_and_writes_nothing(system, contributor, kwargs, field):
    count, events = Mitigation.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.mitigation_create(actor=contributor, system=system, **{"title": "T", **kwargs})
    assert field in exc.value.message_dict
    assert Mitigation.objects.count() == count and AuditEvent.objects.count() == events


def test_mitigation_links_only_to_risks_of_its_system(system, contributor, team):
    other = make_system(team, contributor, name="Other")
    foreign = custom_risk(other, contributor)
    with pytest.raises(ValidationError) as exc:
        services.mitigation_create(actor=contributor, system=system, title="T", risks=[foreign])
    assert "risks" in exc.value.message_dict


def test_one_mitigation_many_risks_and_one_risk_many_mitigations(system, contributor):
    a, b = custom_risk(system, contributor, title="A"), custom_risk(system, contributor, title="B")
    m1 = services.mitigation_create(actor=contributor, system=system, title="M1", risks=[a])
    m1 = services.mitigation_link(actor=contributor, mitigation=m1, risks=[b], expected_version=m1.version)
    m2 = services.mitigation_create(actor=contributor, system=system, title="M2", risks=[a])
    assert set(m1.risks.all()) == {a, b} and set(a.mitigations.all()) == {m1, m2}
    events = AuditEvent.objects.count()
    services.mitigation_link(actor=contributor, mitigation=m1, risks=[a, b])  # already linked: no-op
    assert AuditEvent.objects.count() == events
    m1 = services.mitigation_unlink(actor=contributor, mitigation=m1, risks=[a])
    assert set(m1.risks.all()) == {b}
    with pytest.raises(VersionConflict):
        services.mitigation_link(actor=contributor, mitigation=m1, risks=[a], expected_version=1)


def test_mitigation_transitions(system, contributor):
    m = services.mitigation_create(actor=contributor, system=system, title="M")
    with pytest.raises(ValidationError) as exc:
        services.mitigation_transition(actor=contributor, mitigation=m, status="verified")
    assert "status" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.mitigation_transition(actor=contributor, mitigation=m, status="rejected")
    assert "status_reason" in exc.value.message_dict
    m = services.mitigation_transition(actor=contributor, mitigation=m, status="rejected", reason="Out of scope")
    assert m.status_reason == "Out of scope"
    m = services.mitigation_transition(actor=contributor, mitigation=m, status="proposed")
    assert m.status == "proposed"


def test_deleting_leaves_tombstones_and_residuals_follow(system, contributor):
    risk = custom_risk(system, contributor, likelihood=4, impact=4)
    m = services.mitigation_create(actor=contributor, system=system, title="M", risks=[risk])
    for status in ("in_progress", "implemented"):
        m = services.mitigation_transition(actor=contributor, mitigation=m, status=status)
    assert Risk.objects.get(pk=risk.pk).residual_likelihood == 3
    services.mitigation_delete(actor=contributor, mitigation=m)
    assert Risk.objects.get(pk=risk.pk).residual_likelihood == 4
    services.risk_delete(actor=contributor, risk=Risk.objects.get(pk=risk.pk))
    assert set(Tombstone.objects.values_list("object_type", "object_id")) >= {
        ("mitigation", str(m.pk)), ("risk", str(risk.pk))}


def test_catalog_risks_are_dismissed_not_deleted(suggested, contributor):
    with pytest.raises(ValidationError):
        services.risk_delete(actor=contributor, risk=suggested)


# --- external references ------------------------------------------------------------------------

def test_external_refs_are_unique_per_team_and_leave_the_object_alone(system, contributor, other_team):
    m = services.mitigation_create(actor=contributor, system=system, title="M")
    ref = services.external_ref_set(actor=contributor, target=m, tracker="Jira", external_id="10001", key="SEC-12",
                                    url="https://jira.example.invalid/browse/SEC-12", remote_status="To Do")
    assert ref.tracker == "jira" and Mitigation.objects.get(pk=m.pk).version == m.version
    ref = services.external_ref_set(actor=contributor, target=m, tracker="jira", external_id="10001", key="SEC-12",
                                    remote_status="Done", remote_updated_at="2030-01-01T10:00:00Z")
    assert ExternalRef.objects.count() == 1 and ref.remote_status == "Done"
    risk = custom_risk(system, contributor)
    with pytest.raises(ValidationError) as exc:
        services.external_ref_set(actor=contributor, target=risk, tracker="jira", external_id="10001")
    assert "external_id" in exc.value.message_dict
    other_owner = member(other_team, Role.OWNER)
    other_system = make_system(other_team, other_owner)
    other_m = services.mitigation_create(actor=other_owner, system=other_system, title="M")
    services.external_ref_set(actor=other_owner, target=other_m, tracker="jira", external_id="10001")
    assert ExternalRef.objects.count() == 2
    assert AuditEvent.objects.filter(action="external_ref.set", object_id=str(m.pk)).count() == 2
