"""Register services: validation naming the field with nothing written, transitions, treatment rules,
residual scores, versions, external refs and sign-offs."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments import services
from assessments.models import ExternalRef, Mitigation, Review, Risk, RiskStatus
from assessments.resuggest import resuggest_system
from assessments.snapshot import register_hash, register_snapshot
from threatmodel.audit import audit_verify
from threatmodel.exceptions import VersionConflict
from threatmodel.models import AuditEvent, Role, Tombstone

from ..factories import custom_risk, in_days, make_system, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def suggested(system) -> Risk:
    return Risk.objects.filter(system=system, template__ref="AI-IN-001").get()


def nothing_written(before_events: int, **counts) -> bool:
    return AuditEvent.objects.count() == before_events and all(
        model.objects.count() == n for model, n in counts.values())


# --- risks: create, validate, update ------------------------------------------------------------

def test_custom_risk_starts_open_with_mappings_and_is_audited(system, contributor):
    risk = custom_risk(system, contributor, title="Vendor lock-in", likelihood=2, impact=4,
                       mappings=["NIST-AI-RMF:GOVERN 6.1", {"framework": "OWASP-LLM-2025", "ref": "LLM03:2025"}])
    assert risk.status == RiskStatus.OPEN and risk.template is None and risk.acted
    assert {f"{i.framework.key}:{i.ref}" for i in risk.mappings} == {"NIST-AI-RMF:GOVERN 6.1",
                                                                      "OWASP-LLM-2025:LLM03:2025"}
    assert (risk.score, risk.band) == (8, "medium")
    event = AuditEvent.objects.get(action="risk.created", object_id=str(risk.pk))
    assert event.changes["title"] == [None, "Vendor lock-in"] and event.changes["mappings"][1]
    assert audit_verify(team=system.team).ok


@pytest.mark.parametrize("kwargs, field", [
    ({"likelihood": 0}, "likelihood"),
    ({"likelihood": 6}, "likelihood"),
    ({"impact": "high"}, "impact"),
    ({"title": "  "}, "title"),
    ({"due": "next week"}, "due"),
    ({"treatment": "ignore"}, "treatment"),
    ({"treatment": "accept"}, "treatment"),
    ({"mappings": ["NIST-AI-RMF:NOPE 9.9"]}, "mappings"),
])
def test_invalid_custom_risk_names_the_field_and_writes_nothing(system, contributor, kwargs, field):
    risks, events = Risk.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        custom_risk(system, contributor, **kwargs)
    assert field in exc.value.message_dict
    assert Risk.objects.count() == risks and AuditEvent.objects.count() == events


def test_owner_outside_the_team_is_refused(system, contributor, outsider):
    with pytest.raises(ValidationError) as exc:
        custom_risk(system, contributor, owner=outsider)
    assert "owner" in exc.value.message_dict


def test_component_of_another_system_is_refused(system, contributor, team):
    other = make_system(team, contributor, name="Other")
    from ..factories import make_component

    foreign = make_component(other, "input", actor=contributor)
    with pytest.raises(ValidationError) as exc:
        custom_risk(system, contributor, component=foreign)
    assert "component" in exc.value.message_dict


def test_viewers_and_outsiders_cannot_write(system, viewer, outsider, suggested):
    for user in (viewer, outsider):
        with pytest.raises(PermissionDenied):
            custom_risk(system, user)
        with pytest.raises(PermissionDenied):
            services.risk_transition(actor=user, risk=suggested, status="open")


def test_update_with_an_old_version_is_refused_and_nothing_written(suggested, contributor):
    services.risk_update(actor=contributor, risk=suggested, expected_version=suggested.version, likelihood=1)
    events = AuditEvent.objects.count()
    with pytest.raises(VersionConflict) as exc:
        services.risk_update(actor=contributor, risk=suggested, expected_version=suggested.version, impact=1)
    assert exc.value.current == suggested.version + 1
    fresh = Risk.objects.get(pk=suggested.pk)
    assert fresh.impact == suggested.impact and AuditEvent.objects.count() == events


def test_update_without_change_writes_no_audit_noise(suggested, contributor):
    events = AuditEvent.objects.count()
    risk = services.risk_update(actor=contributor, risk=suggested, likelihood=suggested.likelihood)
    assert risk.version == suggested.version and AuditEvent.objects.count() == events
    assert Risk.objects.get(pk=suggested.pk).acted_at is None


def test_update_records_before_and_after_and_marks_the_risk_acted(suggested, contributor):
    risk = services.risk_update(actor=contributor, risk=suggested, likelihood=1, due=in_days(30), owner=contributor)
    event = AuditEvent.objects.filter(action="risk.updated", object_id=str(risk.pk)).get()
    assert event.changes["likelihood"] == [suggested.likelihood, 1]
    assert event.changes["owner"] == [None, f"user-{contributor.pk}"]
    assert event.changes["residual_likelihood"] == [suggested.likelihood, 1]  # follows the inherent score
    assert risk.acted and risk.version == suggested.version + 1


def test_status_and_residual_are_not_plain_fields(suggested, contributor):
    for field in ("status", "residual_likelihood"):
        with pytest.raises(ValidationError) as exc:
            services.risk_update(actor=contributor, risk=suggested, **{field: 1})
        assert field in exc.value.message_dict


def test_catalog_risks_keep_their_component_and_mappings(suggested, contributor):
    with pytest.raises(ValidationError) as exc:
        services.risk_update(actor=contributor, risk=suggested, component=None)
    assert "component" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.risk_update(actor=contributor, risk=suggested, mappings=["NIST-AI-RMF:GOVERN 1.1"])
    assert "mappings" in exc.value.message_dict
    assert {(i.framework.key, i.ref) for i in suggested.mappings} >= {("OWASP-LLM-2025", "LLM01:2025")}


def test_custom_mappings_can_be_replaced(system, contributor):
    risk = custom_risk(system, contributor, mappings=["NIST-AI-RMF:GOVERN 1.1"])
    risk = services.risk_update(actor=contributor, risk=risk, mappings=["NIST-AI-RMF:MAP 1.1"])
    assert [i.ref for i in Risk.objects.get(pk=risk.pk).mappings] == ["MAP 1.1"]
    event = AuditEvent.objects.filter(action="risk.updated", object_id=str(risk.pk)).get()
    assert event.changes["mappings"] == [["NIST-AI-RMF:GOVERN 1.1"], ["NIST-AI-RMF:MAP 1.1"]]


# --- transitions ---------------------------------------------------------------------------------

def test_the_status_graph(suggested, contributor):
    risk = suggested
    for status in ("open", "mitigating", "closed", "open", "dismissed"):
        risk = services.risk_transition(actor=contributor, risk=risk, status=status, reason="because")
        assert risk.status == status
    risk = services.risk_transition(actor=contributor, risk=risk, status="open")
    assert risk.status_reason == ""
    assert AuditEvent.objects.filter(action="risk.transitioned", object_id=str(risk.pk)).count() == 6


@pytest.mark.parametrize("path, bad", [
    ((), "closed"), ((), "mitigating"), (("open",), "suggested"), (("dismissed",), "closed"),
    (("open", "closed"), "mitigating"), ((), "archived"),
])
def test_transitions_outside_the_graph_are_refused(suggested, contributor, path, bad):
    risk = suggested
    for status in path:
        risk = services.risk_transition(actor=contributor, risk=risk, status=status, reason="r")
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.risk_transition(actor=contributor, risk=risk, status=bad, reason="r")
    assert "status" in exc.value.message_dict
    assert Risk.objects.get(pk=risk.pk).status == risk.status and AuditEvent.objects.count() == events


def test_dismissal_needs_a_reason(suggested, contributor):
    with pytest.raises(ValidationError) as exc:
        services.risk_transition(actor=contributor, risk=suggested, status="dismissed", reason="   ")
    assert "status_reason" in exc.value.message_dict
    assert Risk.objects.get(pk=suggested.pk).status == RiskStatus.SUGGESTED


def test_stale_version_on_transition_is_refused(suggested, contributor):
    services.risk_transition(actor=contributor, risk=suggested, status="open", expected_version=suggested.version)
    with pytest.raises(VersionConflict):
        services.risk_transition(actor=contributor, risk=suggested, status="dismissed", reason="x",
                                 expected_version=suggested.version)


# --- treatment and acceptance ----------------------------------------------------------------

def test_accepting_needs_an_owner_an_approver_other_than_the_owner_and_a_future_review_date(
        suggested, contributor, owner):
    with pytest.raises(ValidationError) as exc:
        services.risk_accept(actor=owner, risk=suggested, review_date=in_days(90))
    assert "owner" in exc.value.message_dict
    risk = services.risk_update(actor=contributor, risk=suggested, owner=contributor)
    with pytest.raises(ValidationError) as exc:
        services.risk_accept(actor=contributor, risk=risk, review_date=in_days(90))
    assert "approver" in exc.value.message_dict
    for bad in (None, in_days(0), in_days(-3), "soon"):
        with pytest.raises(ValidationError) as exc:
            services.risk_accept(actor=owner, risk=risk, review_date=bad)
        assert "acceptance_review_date" in exc.value.message_dict
    risk = services.risk_accept(actor=owner, risk=risk, review_date=in_days(90), reason="Low exposure")
    assert risk.treatment == "accept" and risk.accepted_by == owner and risk.status == RiskStatus.OPEN
    assert not risk.is_overdue
    with pytest.raises(ValidationError) as exc:
        services.risk_update(actor=contributor, risk=risk, owner=owner)
    assert "owner" in exc.value.message_dict


def test_accepted_risks_past_their_review_date_are_overdue(suggested, contributor, owner):
    risk = services.risk_update(actor=contributor, risk=suggested, owner=contributor)
    risk = services.risk_accept(actor=owner, risk=risk, review_date=in_days(10))
    Risk.objects.filter(pk=risk.pk).update(acceptance_review_date=in_days(-1))
    risk.refresh_from_db()
    assert risk.acceptance_expired and risk.is_overdue
    from assessments.selectors import overdue_risk_q

    assert Risk.objects.filter(overdue_risk_q(), pk=risk.pk).exists()


def test_changing_treatment_away_from_accept_clears_the_acceptance(suggested, contributor, owner):
    risk = services.risk_update(actor=contributor, risk=suggested, owner=contributor)
    risk = services.risk_accept(actor=owner, risk=risk, review_date=in_days(30))
    risk = services.risk_update(actor=contributor, risk=risk, treatment="mitigate")
    assert risk.accepted_by is None and risk.acceptance_review_date is None and risk.treatment == "mitigate"


def test_closed_risks_cannot_be_accepted(suggested, contributor, owner):
    risk = services.risk_update(actor=contributor, risk=suggested, owner=contributor)
    risk = services.risk_transition(actor=contributor, risk=risk, status="dismissed", reason="n/a")
    with pytest.raises(ValidationError) as exc:
        services.risk_accept(actor=owner, risk=risk, review_date=in_days(30))
    assert "status" in exc.value.message_dict


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


# --- reviews and sign-off ---------------------------------------------------------------------

def test_sign_off_rounds(system, contributor, owner, catalog):
    author = services.review_sign_off(actor=contributor, system=system, role="author")
    assert author.round == 1 and author.catalog_version == catalog.version and author.catalog_release_id
    assert author.register_hash == register_hash(register_snapshot(system)) and len(author.register_hash) == 64
    assert author.register_summary["risks"] == Risk.objects.filter(system=system).count()
    with pytest.raises(ValidationError) as exc:
        services.review_sign_off(actor=contributor, system=system, role="approver")
    assert "user" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.review_sign_off(actor=owner, system=system, role="publisher")
    assert "role" in exc.value.message_dict
    approval = services.review_sign_off(actor=owner, system=system, role="approver", comment="Looks right")
    assert approval.register_hash == author.register_hash
    publisher = services.review_sign_off(actor=contributor, system=system, role="publisher")
    assert publisher.round == 1 and Review.objects.filter(system=system).count() == 3
    assert AuditEvent.objects.filter(action__startswith="review.").count() == 3


def test_approver_cannot_approve_a_register_that_changed_since_the_author_signed(system, contributor, owner):
    services.review_sign_off(actor=contributor, system=system, role="author")
    custom_risk(system, contributor, title="Found late")
    with pytest.raises(ValidationError) as exc:
        services.review_sign_off(actor=owner, system=system, role="approver")
    assert "register_hash" in exc.value.message_dict


def test_approver_sends_back_with_a_comment_and_the_author_starts_again(system, contributor, owner):
    services.review_sign_off(actor=contributor, system=system, role="author")
    with pytest.raises(ValidationError) as exc:
        services.review_sign_off(actor=owner, system=system, role="approver", decision="rejected")
    assert "comment" in exc.value.message_dict
    services.review_sign_off(actor=owner, system=system, role="approver", decision="rejected", comment="Owners missing")
    with pytest.raises(ValidationError):
        services.review_sign_off(actor=contributor, system=system, role="publisher")
    again = services.review_sign_off(actor=contributor, system=system, role="author")
    assert again.round == 2


def test_snapshot_hash_is_stable_and_tracks_decisions(system, contributor):
    first = register_hash(register_snapshot(system))
    resuggest_system(system.pk)
    assert register_hash(register_snapshot(system)) == first
    risk = Risk.objects.filter(system=system).first()
    services.risk_transition(actor=contributor, risk=risk, status="open")
    assert register_hash(register_snapshot(system)) != first


def test_owners_can_be_given_as_usernames_of_the_team(system, contributor, outsider):
    risk = custom_risk(system, contributor, owner=contributor.username)
    assert risk.owner == contributor
    with pytest.raises(ValidationError) as exc:
        custom_risk(system, contributor, owner=outsider.username)
    assert "owner" in exc.value.message_dict
    m = services.mitigation_create(actor=contributor, system=system, title="M", owner=contributor.username)
    m = services.mitigation_update(actor=contributor, mitigation=m, owner="")
    assert m.owner is None
