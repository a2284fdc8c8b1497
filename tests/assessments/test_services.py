"""Register services for risks: validation naming the field with nothing written, transitions, treatment
rules, versions and sign-offs (mitigations, residual scores and external refs: test_mitigation_services)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments import services
from assessments.models import Review, Risk, RiskStatus
from assessments.resuggest import resuggest_system
from assessments.snapshot import register_hash, register_snapshot
from threatmodel.audit import audit_verify
from threatmodel.exceptions import VersionConflict
from threatmodel.models import AuditEvent

from ..factories import custom_risk, in_days, make_system

pytestmark = pytest.mark.django_db


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
