"""The audit trail of the register: every change chained per team; tampering caught by verify_audit."""

import io

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import RequestFactory

from assessments import services
from assessments.models import ExternalRef, Mitigation, Review, Risk
from threatmodel.audit import audit_verify
from threatmodel.models import AuditEvent

from ..factories import custom_risk, in_days

pytestmark = pytest.mark.django_db


def run_verify(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("verify_audit", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def busy_register(system, contributor, owner):
    risk = custom_risk(system, contributor, owner=contributor, due=in_days(5))
    services.risk_transition(actor=contributor, risk=risk, status="mitigating")
    m = services.mitigation_create(actor=contributor, system=system, control="CTL-002", risks=[risk])
    services.mitigation_transition(actor=contributor, mitigation=m, status="in_progress")
    services.external_ref_set(actor=contributor, target=m, tracker="github", external_id="77", key="org/repo#77")
    services.risk_accept(actor=owner, risk=Risk.objects.get(pk=risk.pk), review_date=in_days(30))
    services.review_sign_off(actor=contributor, system=system, role="author")
    return system


def test_every_register_change_is_chained_and_verifies(busy_register):
    team = busy_register.team
    actions = set(AuditEvent.objects.filter(team=team).values_list("action", flat=True))
    assert {"risk.suggested", "risk.created", "risk.transitioned", "mitigation.created", "mitigation.transitioned",
            "risk.mitigation_linked", "external_ref.set", "risk.accepted", "review.author_signed"} <= actions
    report = audit_verify(team=team)
    assert report.ok and report.count == AuditEvent.objects.filter(team=team).count()
    out, err = run_verify("--team", team.slug)
    assert f"head {report.head}" in out and "chain intact" in out and not err


def test_an_edited_event_is_caught_naming_the_first_broken_link(busy_register):
    team = busy_register.team
    target = AuditEvent.objects.filter(team=team, action="risk.accepted").get()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE threatmodel_auditevent SET changes = %s WHERE id = %s",
                       ['{"treatment": ["", "mitigate"]}', target.pk])
    with pytest.raises(CommandError) as exc:
        run_verify("--team", team.slug)
    assert f"event #{target.seq}" in str(exc.value) and "altered" in str(exc.value)


def test_a_deleted_event_is_caught(busy_register):
    team = busy_register.team
    middle = AuditEvent.objects.filter(team=team).order_by("seq")[3]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM threatmodel_auditevent WHERE id = %s", [middle.pk])
    with pytest.raises(CommandError) as exc:
        run_verify()
    assert f"expected #{middle.seq}" in str(exc.value)


def test_an_inserted_event_is_caught(busy_register):
    team = busy_register.team
    last = AuditEvent.objects.filter(team=team).order_by("-seq").first()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO threatmodel_auditevent (team_id, seq, actor_label, action, object_type, object_id, "
            "object_repr, changes, at, prev_hash, hash) VALUES (%s, %s, 'system', 'risk.deleted', 'assessments.risk', "
            "'1', 'x', '{}', %s, %s, %s)", [team.pk, last.seq + 1, last.at, last.hash, "f" * 64])
    with pytest.raises(CommandError) as exc:
        run_verify("--team", team.slug)
    assert f"event #{last.seq + 1}" in str(exc.value)


def test_events_cut_off_the_end_are_caught_against_a_kept_head(busy_register):
    team = busy_register.team
    head = audit_verify(team=team).head
    run_verify("--team", team.slug, "--expect-head", head)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM threatmodel_auditevent WHERE team_id = %s AND seq = "
                       "(SELECT MAX(seq) FROM threatmodel_auditevent WHERE team_id = %s)", [team.pk, team.pk])
    with pytest.raises(CommandError) as exc:
        run_verify("--team", team.slug, "--expect-head", head)
    assert "expected" in str(exc.value)


def test_a_changed_actor_is_caught(busy_register, owner, contributor):
    """The actor key is checked against the hashed actor label: pointing an event at someone else is caught."""
    team = busy_register.team
    target = AuditEvent.objects.filter(team=team, action="risk.accepted").get()
    assert target.actor_id == owner.pk
    with connection.cursor() as cursor:
        cursor.execute("UPDATE threatmodel_auditevent SET actor_id = %s WHERE id = %s", [contributor.pk, target.pk])
    with pytest.raises(CommandError) as exc:
        run_verify("--team", team.slug)
    assert f"event #{target.seq}" in str(exc.value) and "actor" in str(exc.value)


def test_a_cleared_actor_of_an_existing_user_is_caught(busy_register, owner):
    team = busy_register.team
    target = AuditEvent.objects.filter(team=team, action="risk.accepted").get()
    AuditEvent.objects.filter(pk=target.pk).update(actor=None)
    report = audit_verify(team=team)
    assert report.broken_at == target.seq


def test_a_deleted_user_keeps_the_chain_valid(busy_register, owner):
    """SET_NULL on a deleted user empties the key; the hashed label still names the pseudonymous actor."""
    team = busy_register.team
    AuditEvent.objects.filter(team=team, actor=owner).update(actor=None)
    owner.delete()
    assert audit_verify(team=team).ok


def test_unknown_team_is_an_error():
    with pytest.raises(CommandError):
        run_verify("--team", "no-such-team")


def test_failed_service_calls_leave_no_event(system, contributor):
    before = AuditEvent.objects.count()
    with pytest.raises(Exception):  # noqa: B017, PT011 - any refusal
        services.risk_create(actor=contributor, system=system, title="x", likelihood=9)
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("model", [AuditEvent, Risk, Mitigation, ExternalRef, Review])
def test_admin_is_read_only(model, owner):
    owner.is_staff = owner.is_superuser = True
    request = RequestFactory().get("/admin/")
    request.user = owner
    model_admin = admin.site._registry[model]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
