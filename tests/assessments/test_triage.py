"""Bulk triage of suggestions and undo of the last accept or dismiss: all or nothing, audited, undo only
what nobody changed since."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments import services
from assessments.models import Risk, RiskStatus
from assessments.services.triage import UndoRecord
from threatmodel.exceptions import VersionConflict
from threatmodel.models import AuditEvent

pytestmark = pytest.mark.django_db


def suggestions(system, n):
    return list(Risk.objects.filter(system=system, status=RiskStatus.SUGGESTED).order_by("id")[:n])


def test_bulk_dismiss_with_one_reason_then_undo(system, contributor):
    picked = suggestions(system, 3)
    record = services.risks_triage(actor=contributor, system=system, risk_ids=[r.pk for r in picked],
                                   action="dismiss", reason="Out of scope for the pilot")
    after = list(Risk.objects.filter(pk__in=[r.pk for r in picked]))
    assert {r.status for r in after} == {"dismissed"} and {r.status_reason for r in after} == {
        "Out of scope for the pilot"}
    undone = services.triage_undo(actor=contributor, system=system,
                                  record=UndoRecord.from_dict(record.as_dict()))
    assert {r.status for r in undone} == {"suggested"}
    again = Risk.objects.filter(pk__in=[r.pk for r in picked])
    assert all(r.status_reason == "" and r.acted_at is None for r in again)  # untouched suggestions again
    assert AuditEvent.objects.filter(action="risk.triage_undone").count() == 3


def test_bulk_accept_and_assign(system, contributor, owner):
    picked = suggestions(system, 2)
    services.risks_triage(actor=contributor, system=system, risk_ids=[r.pk for r in picked], action="accept")
    assert set(Risk.objects.filter(pk__in=[r.pk for r in picked]).values_list("status", flat=True)) == {"open"}
    assert services.risks_triage(actor=contributor, system=system, risk_ids=[r.pk for r in picked],
                                 action="assign", owner=owner.username) is None
    assert set(Risk.objects.filter(pk__in=[r.pk for r in picked]).values_list("owner", flat=True)) == {owner.pk}


def test_one_refused_risk_refuses_the_selection(system, contributor, outsider):
    first, second = suggestions(system, 2)
    services.risk_transition(actor=contributor, risk=second, status="open")
    with pytest.raises(ValidationError) as exc:
        services.risks_triage(actor=contributor, system=system, risk_ids=[first.pk, second.pk], action="accept")
    assert f"#{second.pk} (open)" in str(exc.value)
    assert Risk.objects.get(pk=first.pk).status == "suggested"  # nothing half-written
    with pytest.raises(ValidationError):
        services.risks_triage(actor=contributor, system=system, risk_ids=[first.pk], action="dismiss", reason="")
    with pytest.raises(ValidationError):
        services.risks_triage(actor=contributor, system=system, risk_ids=[first.pk, 10**9], action="accept")
    with pytest.raises(PermissionDenied):
        services.risks_triage(actor=outsider, system=system, risk_ids=[first.pk], action="accept")


def test_undo_refuses_when_someone_changed_a_risk_since(system, contributor):
    first, second = suggestions(system, 2)
    record = services.risks_triage(actor=contributor, system=system, risk_ids=[first.pk, second.pk],
                                   action="accept")
    services.risk_update(actor=contributor, risk=Risk.objects.get(pk=second.pk), likelihood=5)
    with pytest.raises(VersionConflict):
        services.triage_undo(actor=contributor, system=system, record=record)
    assert set(Risk.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {"open"}
    assert UndoRecord.from_dict({"action": "accept"}) is None
