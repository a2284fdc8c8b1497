"""Writes on mitigations and their links to risks."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from catalog.models import ControlTemplate
from threatmodel.audit import audit_record, diff
from threatmodel.models import AISystem, Role, Tombstone
from threatmodel.services.common import bump, check_version, require_role
from threatmodel.webhooks import emit, object_payload

from .. import notifications
from ..models import MITIGATION_REASON_REQUIRED, MITIGATION_TRANSITIONS, ControlKind, Mitigation, MitigationStatus, Risk
from .audit import AuditEntry, audit_record_many
from .common import clean_links, clean_text, resolve_member, to_date, user_ref
from .residual import refresh_residuals

MITIGATION_FIELDS = ("title", "description", "kind", "status", "status_reason", "owner", "due", "evidence",
                     "evidence_links")
UPDATABLE = {"title", "description", "kind", "owner", "due", "evidence", "evidence_links", "risks"}


def mitigation_snapshot(m: Mitigation, risk_ids: list[int] | None = None) -> dict:
    data = model_to_dict(m, fields=MITIGATION_FIELDS)
    out = {f: data.get(f) for f in MITIGATION_FIELDS}
    out["owner"] = user_ref(m.owner) if m.owner_id else None
    out["control"] = m.control.ref if m.control_id else None
    if risk_ids is not None:
        out["risks"] = sorted(risk_ids)
    return out


def _resolve_control(control) -> ControlTemplate | None:
    if control in (None, ""):
        return None
    if not isinstance(control, ControlTemplate):
        ref = str(control)
        control = ControlTemplate.objects.filter(ref=ref).first()
        if control is None:
            raise ValidationError({"control": f"'{ref}' is not a control in the catalog."})
    if control.retired:
        raise ValidationError({"control": f"{control.ref} is retired from the catalog."})
    return control


def _check_kind(kind) -> str:
    if kind not in ControlKind.values:
        raise ValidationError({"kind": f"'{kind}' is not one of {', '.join(ControlKind.values)}."})
    return kind


def _resolve_risks(system: AISystem, risks) -> list[Risk]:
    """Risks of the same system, from instances or ids; ValidationError on "risks" otherwise."""
    wanted = {getattr(r, "pk", r) for r in (risks or [])}
    bad = [w for w in wanted if not isinstance(w, int) or isinstance(w, bool)]
    if bad:
        raise ValidationError({"risks": [f"'{b}' is not a risk id." for b in bad]})
    found = {r.pk: r for r in Risk.objects.filter(pk__in=wanted, system=system)}
    missing = sorted(wanted - set(found))
    if missing:
        raise ValidationError({"risks": [f"Risk {pk} is not a risk of this system." for pk in missing]})
    return [found[pk] for pk in sorted(found)]


def _locked(m: Mitigation) -> Mitigation:
    return (Mitigation.objects.select_for_update(of=("self",))  # the joined rows may be null: lock only ours
            .select_related("system__team", "control", "owner").get(pk=m.pk))


def _link_entries(actor, mitigation: Mitigation, added: set[int], removed: set[int]) -> list[AuditEntry]:
    """Bump the risks whose mitigation list changed and describe the change on each risk's own history."""
    touched = added | removed
    if not touched:
        return []
    now = timezone.now()
    risks = list(Risk.objects.select_for_update().filter(pk__in=touched).prefetch_related("mitigations"))
    entries = []
    for risk in risks:
        current = {m.pk for m in risk.mitigations.all()}
        if risk.pk in added:
            old_ids, new_ids = sorted(current - {mitigation.pk}), sorted(current | {mitigation.pk})
        else:
            old_ids, new_ids = sorted(current | {mitigation.pk}), sorted(current - {mitigation.pk})
        risk.version += 1
        risk.updated_at = now
        if actor is not None and risk.acted_at is None:
            risk.acted_at = now
        action = "risk.mitigation_linked" if risk.pk in added else "risk.mitigation_unlinked"
        entries.append(AuditEntry.for_object(risk, action, {"mitigations": [old_ids, new_ids]}))
    Risk.objects.bulk_update(risks, ["version", "updated_at", "acted_at"])
    return entries


def mitigation_create(*, actor, system: AISystem, title: str = "", description: str = "", control=None,
                      kind: str | None = None, owner=None, due=None, evidence: str = "", evidence_links=None,
                      risks=()) -> Mitigation:
    """A mitigation from a control template (title, description and kind default to the control's) or custom."""
    team = system.team
    require_role(actor, team, Role.CONTRIBUTOR)
    control = _resolve_control(control)
    mitigation = Mitigation(
        system=system, control=control,
        title=clean_text(title or (control.title if control else ""), "title", max_length=300, required=True),
        description=clean_text(description or (control.description if control else ""), "description"),
        kind=_check_kind(kind or (control.kind if control else ControlKind.PREVENTIVE)),
        owner=resolve_member(team, owner, "owner"), due=to_date(due, "due"), evidence=clean_text(evidence, "evidence"),
        evidence_links=clean_links(evidence_links),
    )
    linked = _resolve_risks(system, risks)
    with transaction.atomic():
        mitigation.full_clean(exclude=["risks"])
        mitigation.save()
        risk_ids = [r.pk for r in linked]
        if risk_ids:
            mitigation.risks.set(risk_ids)
        audit_record(team=team, actor=actor, action="mitigation.created", obj=mitigation,
                     changes=diff({}, mitigation_snapshot(mitigation, risk_ids)))
        emit(team, "mitigation.created", object_payload(mitigation, "mitigation"))
        entries = _link_entries(actor, mitigation, set(risk_ids), set())
        entries += refresh_residuals(risk_ids)
        audit_record_many(team=team, actor=actor, entries=entries)
        if mitigation.owner is not None:
            notifications.notify_assigned(mitigation, mitigation.owner, actor)
    return mitigation


def mitigation_update(*, actor, mitigation: Mitigation, expected_version: int | None = None, **changes) -> Mitigation:
    """Edit a mitigation's fields; `risks` replaces its links (ids or risks of the same system)."""
    team = mitigation.system.team
    require_role(actor, team, Role.CONTRIBUTOR)
    for field in changes:
        if field in ("status", "status_reason"):
            raise ValidationError({field: "Change the status with a transition."})
        if field not in UPDATABLE:
            raise ValidationError({field: "This field cannot be changed here."})
    with transaction.atomic():
        mitigation = _locked(mitigation)
        check_version(mitigation, expected_version)
        old_risks = set(mitigation.risks.values_list("pk", flat=True))
        before = mitigation_snapshot(mitigation, sorted(old_risks))
        old_owner = mitigation.owner
        if "title" in changes:
            mitigation.title = clean_text(changes["title"], "title", max_length=300, required=True)
        if "description" in changes:
            mitigation.description = clean_text(changes["description"], "description")
        if "kind" in changes:
            mitigation.kind = _check_kind(changes["kind"])
        if "owner" in changes:
            mitigation.owner = resolve_member(team, changes["owner"], "owner")
        if "due" in changes:
            mitigation.due = to_date(changes["due"], "due")
        if "evidence" in changes:
            mitigation.evidence = clean_text(changes["evidence"], "evidence")
        if "evidence_links" in changes:
            mitigation.evidence_links = clean_links(changes["evidence_links"])
        new_risks = old_risks
        if "risks" in changes:
            new_risks = {r.pk for r in _resolve_risks(mitigation.system, changes["risks"])}
        if mitigation.status == MitigationStatus.VERIFIED and not (mitigation.evidence or mitigation.evidence_links):
            raise ValidationError({"evidence": "A verified mitigation keeps its evidence."})
        mitigation.full_clean(exclude=["risks", "system"])
        changed = diff(before, mitigation_snapshot(mitigation, sorted(new_risks)))
        if not changed:
            return mitigation
        bump(mitigation)
        mitigation.save()
        added, removed = new_risks - old_risks, old_risks - new_risks
        if added:
            mitigation.risks.add(*added)
        if removed:
            mitigation.risks.remove(*removed)
        audit_record(team=team, actor=actor, action="mitigation.updated", obj=mitigation, changes=changed)
        emit(team, "mitigation.updated", object_payload(mitigation, "mitigation"))
        entries = _link_entries(actor, mitigation, added, removed)
        if added or removed or "kind" in changed:
            entries += refresh_residuals(old_risks | new_risks)
        audit_record_many(team=team, actor=actor, entries=entries)
        if mitigation.owner is not None and mitigation.owner != old_owner:
            notifications.notify_assigned(mitigation, mitigation.owner, actor)
    return mitigation


def mitigation_transition(*, actor, mitigation: Mitigation, status: str, reason: str = "",
                          expected_version: int | None = None) -> Mitigation:
    """Move a mitigation along its status graph; rejecting needs a reason, verifying needs evidence.

    The residual scores of its risks follow (assessments.scoring.suggest_residual).
    """
    team = mitigation.system.team
    require_role(actor, team, Role.CONTRIBUTOR)
    reason = clean_text(reason, "status_reason")
    with transaction.atomic():
        mitigation = _locked(mitigation)
        check_version(mitigation, expected_version)
        if status not in MitigationStatus.values:
            raise ValidationError({"status": f"'{status}' is not a mitigation status."})
        if status not in MITIGATION_TRANSITIONS.get(mitigation.status, ()):
            allowed = ", ".join(mitigation.allowed_transitions()) or "nothing"
            raise ValidationError({"status": f"A mitigation cannot go from {mitigation.status} to {status} "
                                             f"(from {mitigation.status} it can go to: {allowed})."})
        if status in MITIGATION_REASON_REQUIRED and not reason:
            raise ValidationError({"status_reason": f"Give a reason to set a mitigation to {status}."})
        if status == MitigationStatus.VERIFIED and not (mitigation.evidence or mitigation.evidence_links):
            raise ValidationError({"evidence": "Record the evidence before marking the mitigation verified."})
        before = mitigation_snapshot(mitigation)
        mitigation.status, mitigation.status_reason = status, reason
        _stamp_done(mitigation, actor, status)
        bump(mitigation)
        mitigation.save()
        audit_record(team=team, actor=actor, action="mitigation.transitioned", obj=mitigation,
                     changes=diff(before, mitigation_snapshot(mitigation)))
        emit(team, "mitigation.updated", object_payload(mitigation, "mitigation"))
        audit_record_many(team=team, actor=actor,
                          entries=refresh_residuals(mitigation.risks.values_list("pk", flat=True)))
    return mitigation


def _stamp_done(mitigation: Mitigation, actor, status: str) -> None:
    """Record who implemented and who verified it, and when; going back to work clears both."""
    person = actor if getattr(actor, "pk", None) else None
    now = timezone.now()
    if status == MitigationStatus.IMPLEMENTED:
        mitigation.implemented_by, mitigation.implemented_at = person, now
        mitigation.verified_by, mitigation.verified_at = None, None
    elif status == MitigationStatus.VERIFIED:
        mitigation.verified_by, mitigation.verified_at = person, now
    elif status not in (MitigationStatus.IMPLEMENTED, MitigationStatus.VERIFIED):
        mitigation.implemented_by = mitigation.implemented_at = None
        mitigation.verified_by = mitigation.verified_at = None


def _set_links(*, actor, mitigation: Mitigation, add=(), remove=(), expected_version=None) -> Mitigation:
    team = mitigation.system.team
    require_role(actor, team, Role.CONTRIBUTOR)
    with transaction.atomic():
        mitigation = _locked(mitigation)
        check_version(mitigation, expected_version)
        to_add = {r.pk for r in _resolve_risks(mitigation.system, add)}
        to_remove = {r.pk for r in _resolve_risks(mitigation.system, remove)}
        current = set(mitigation.risks.values_list("pk", flat=True))
        added, removed = to_add - current, (to_remove & current) - to_add
        if not added and not removed:
            return mitigation
        new = (current | added) - removed
        bump(mitigation)
        mitigation.save(update_fields=["version", "updated_at"])
        if added:
            mitigation.risks.add(*added)
        if removed:
            mitigation.risks.remove(*removed)
        audit_record(team=team, actor=actor, action="mitigation.linked" if added else "mitigation.unlinked",
                     obj=mitigation, changes={"risks": [sorted(current), sorted(new)]})
        emit(team, "mitigation.updated", object_payload(mitigation, "mitigation"))
        entries = _link_entries(actor, mitigation, added, removed)
        entries += refresh_residuals(added | removed)
        audit_record_many(team=team, actor=actor, entries=entries)
    return mitigation


def mitigation_link(*, actor, mitigation: Mitigation, risks, expected_version: int | None = None) -> Mitigation:
    """Link the mitigation to more risks of its system (already linked ones are left as they are)."""
    return _set_links(actor=actor, mitigation=mitigation, add=risks, expected_version=expected_version)


def mitigation_unlink(*, actor, mitigation: Mitigation, risks, expected_version: int | None = None) -> Mitigation:
    return _set_links(actor=actor, mitigation=mitigation, remove=risks, expected_version=expected_version)


def mitigation_delete(*, actor, mitigation: Mitigation, expected_version: int | None = None) -> None:
    team = mitigation.system.team
    require_role(actor, team, Role.CONTRIBUTOR)
    with transaction.atomic():
        mitigation = _locked(mitigation)
        check_version(mitigation, expected_version)
        risk_ids = set(mitigation.risks.values_list("pk", flat=True))
        audit_record(team=team, actor=actor, action="mitigation.deleted", obj=mitigation,
                     changes=diff(mitigation_snapshot(mitigation, sorted(risk_ids)), {}))
        emit(team, "mitigation.deleted", object_payload(mitigation, "mitigation"))
        entries = _link_entries(actor, mitigation, set(), risk_ids)
        Tombstone.objects.create(team=team, object_type="mitigation", object_id=str(mitigation.pk))
        mitigation.delete()
        entries += refresh_residuals(risk_ids)
        audit_record_many(team=team, actor=actor, entries=entries)
