"""Writes on mitigations and their links to risks.

`mitigation_apply` is the one write of a change to a mitigation, whatever it touches (fields, links,
status, ticket references, the remote-status rule): one lock, one version bump, one audit event, one
webhook. `mitigation_update`, `mitigation_transition`, `mitigation_link` and `mitigation_unlink` are its
single-purpose entries.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from catalog.models import ControlTemplate
from threatmodel.audit import audit_record, diff
from threatmodel.models import AISystem, Role, Tombstone
from threatmodel.services.common import bump, check_version, require_role
from threatmodel.webhooks import emit, object_payload

from .. import notifications, signals
from ..fields import MITIGATION_AUDITED
from ..models import MITIGATION_REASON_REQUIRED, MITIGATION_TRANSITIONS, ControlKind, Mitigation, MitigationStatus, Risk
from . import remote
from .audit import AuditEntry, audit_record_many
from .common import clean_links, clean_text, resolve_member, to_date, user_ref
from .residual import refresh_residuals
from .ticket_refs import clean_ref_list, write_ref_list

MITIGATION_FIELDS = MITIGATION_AUDITED
UPDATABLE = {"title", "description", "kind", "owner", "due", "evidence", "evidence_links", "risks"}
LINK_KEYS = {"risks", "link_risks", "unlink_risks"}
APPLY_KEYS = UPDATABLE | LINK_KEYS | {"status", "status_reason", "external_refs", "follow_remote", "control"}


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
                      risks=(), status: str | None = None, status_reason: str = "", external_refs=None) -> Mitigation:
    """A mitigation from a control template (title, description and kind default to the control's) or custom;
    it starts `proposed` (or moves on to `status` at once), with its ticket references if given."""
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
    refs = clean_ref_list(external_refs) if external_refs else None
    if status not in (None, mitigation.status):
        _set_status(mitigation, {"status": status, "status_reason": status_reason}, strict=True)
    with transaction.atomic():
        mitigation.full_clean(exclude=["risks"])
        mitigation.save()
        risk_ids = [r.pk for r in linked]
        if risk_ids:
            mitigation.risks.set(risk_ids)
        changes = diff({}, mitigation_snapshot(mitigation, risk_ids))
        if refs:
            changes["external_refs"] = write_ref_list(team=team, target=mitigation, kind="mitigation", refs=refs)
        audit_record(team=team, actor=actor, action="mitigation.created", obj=mitigation, changes=changes)
        emit(team, "mitigation.created", object_payload(mitigation, "mitigation"))
        entries = _link_entries(actor, mitigation, set(risk_ids), set())
        entries += refresh_residuals(risk_ids)
        audit_record_many(team=team, actor=actor, entries=entries)
        if mitigation.owner is not None:
            notifications.notify_assigned(mitigation, mitigation.owner, actor)
    return mitigation


def mitigation_apply(*, actor, mitigation: Mitigation, changes: dict, expected_version: int | None = None
                     ) -> Mitigation:
    """A person's (or sync client's) whole change to a mitigation, in one transaction with one version bump,
    one audit event and one `mitigation.updated` webhook. `changes` may hold:

    - editable fields: title, description, kind, owner, due, evidence, evidence_links;
    - its risks: `risks` (the whole set), or `link_risks` / `unlink_risks` (added to / removed from the set
      as it is under the lock, so a link made at the same moment is kept);
    - a transition: status (the current status is no transition) and status_reason;
    - external_refs: the complete list of ticket references; follow_remote: True to move the status to what
      its tickets' category asks for (assessments.services.remote), after the references are written;
    - control: echoed back, it must be the mitigation's own (the control is chosen at creation).

    Risks whose links changed are bumped and get their own history entry; residual scores follow.
    """
    return _apply(actor, mitigation, dict(changes), expected_version)


def _apply(actor, mitigation: Mitigation, changes: dict, expected_version, *, strict: bool = False,
           action: str = "") -> Mitigation:
    team = mitigation.system.team
    require_role(actor, team, Role.CONTRIBUTOR)
    unknown = sorted(set(changes) - APPLY_KEYS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed here."))
    refs = clean_ref_list(changes["external_refs"]) if "external_refs" in changes else None
    with transaction.atomic():
        mitigation = _locked(mitigation)
        check_version(mitigation, expected_version)
        if "control" in changes and (changes["control"] or None) != (
                mitigation.control.ref if mitigation.control_id else None):
            raise ValidationError({"control": "The control is chosen when the mitigation is created."})
        links = bool(LINK_KEYS & set(changes))
        old_risks = set(mitigation.risks.values_list("pk", flat=True))
        before = mitigation_snapshot(mitigation, sorted(old_risks) if links else None)
        old_owner, old_status = mitigation.owner, mitigation.status
        fields = {k: v for k, v in changes.items() if k in UPDATABLE and k != "risks"}
        _set_fields(mitigation, team, fields)
        new_risks = _new_risks(mitigation, old_risks, changes)
        _set_status(mitigation, changes, strict=strict)
        if mitigation.status != old_status:
            _stamp_done(mitigation, actor, mitigation.status)
        ref_change = None
        if refs is not None:
            ref_change = write_ref_list(team=team, target=mitigation, kind="mitigation", refs=refs)
        if changes.get("follow_remote"):
            _follow_remote(mitigation)
        if mitigation.status == MitigationStatus.VERIFIED and not (mitigation.evidence or mitigation.evidence_links):
            raise ValidationError({"evidence": "Record the evidence before marking the mitigation verified."
                                   if old_status != MitigationStatus.VERIFIED
                                   else "A verified mitigation keeps its evidence."})
        mitigation.full_clean(exclude=["risks", "system"])
        changed = diff(before, mitigation_snapshot(mitigation, sorted(new_risks) if links else None))
        if ref_change:
            changed["external_refs"] = ref_change
        if not changed:
            return mitigation
        bump(mitigation)
        mitigation.save()
        added, removed = new_risks - old_risks, old_risks - new_risks
        if added:
            mitigation.risks.add(*added)
        if removed:
            mitigation.risks.remove(*removed)
        audit_record(team=team, actor=actor, action=action or _action_for(changed, changes, added), obj=mitigation,
                     changes=changed)
        signals.mitigation_changed.send(sender=Mitigation, mitigation=mitigation, changes=changed)
        emit(team, "mitigation.updated", object_payload(mitigation, "mitigation"))
        entries = _link_entries(actor, mitigation, added, removed)
        if added or removed or "kind" in changed or "status" in changed:
            entries += refresh_residuals(old_risks | new_risks)
        audit_record_many(team=team, actor=actor, entries=entries)
        if mitigation.owner is not None and mitigation.owner != old_owner:
            notifications.notify_assigned(mitigation, mitigation.owner, actor)
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
    else:
        mitigation.implemented_by = mitigation.implemented_at = None
        mitigation.verified_by = mitigation.verified_at = None


def _set_fields(mitigation: Mitigation, team, changes: dict) -> None:
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


def _new_risks(mitigation: Mitigation, current: set[int], changes: dict) -> set[int]:
    new = set(current)
    if "risks" in changes:
        new = {r.pk for r in _resolve_risks(mitigation.system, changes["risks"])}
    to_add = {r.pk for r in _resolve_risks(mitigation.system, changes.get("link_risks") or ())}
    to_remove = {r.pk for r in _resolve_risks(mitigation.system, changes.get("unlink_risks") or ())}
    return (new - to_remove) | to_add


def _set_status(mitigation: Mitigation, changes: dict, *, strict: bool) -> None:
    """The transition asked for, if any. Not strict: the current status again is no transition."""
    if changes.get("status") is None and changes.get("status_reason") is None:
        return
    status = changes.get("status") or mitigation.status
    raw_reason = changes.get("status_reason")
    reason = clean_text(raw_reason or "", "status_reason")
    if status == mitigation.status and not strict:
        if raw_reason is not None and raw_reason != mitigation.status_reason:
            raise ValidationError({"status_reason": "A reason goes with the status change that needs it "
                                                    "(send status too)."})
        return
    if status not in MitigationStatus.values:
        raise ValidationError({"status": f"'{status}' is not a mitigation status."})
    if status not in MITIGATION_TRANSITIONS.get(mitigation.status, ()):
        allowed = ", ".join(mitigation.allowed_transitions()) or "nothing"
        raise ValidationError({"status": f"A mitigation cannot go from {mitigation.status} to {status} "
                                         f"(from {mitigation.status} it can go to: {allowed})."})
    if status in MITIGATION_REASON_REQUIRED and not reason:
        raise ValidationError({"status_reason": f"Give a reason to set a mitigation to {status}."})
    mitigation.status, mitigation.status_reason = status, reason


def _follow_remote(mitigation: Mitigation) -> None:
    """The status the tickets' category asks for (the least done ticket wins), if the graph leads there."""
    category = remote.least_done(remote.remote_category(r.remote_status) for r in mitigation.external_refs.all())
    target = remote.status_for_remote(category, mitigation.status)
    if remote.transition_path(mitigation.status, target):
        mitigation.status, mitigation.status_reason = target, ""


def _action_for(changed: dict, changes: dict, added: set[int]) -> str:
    kinds = set()
    if any(f in changed for f in UPDATABLE if f in changes):
        kinds.add("mitigation.updated")
    if "risks" in changed and "risks" not in changes:
        kinds.add("mitigation.linked" if added else "mitigation.unlinked")
    if "status" in changed or "status_reason" in changed:
        kinds.add("mitigation.transitioned")
    if "external_refs" in changed:
        kinds.add("external_ref.replaced")
    return kinds.pop() if len(kinds) == 1 else "mitigation.updated"


def mitigation_update(*, actor, mitigation: Mitigation, expected_version: int | None = None, **changes) -> Mitigation:
    """Edit a mitigation's fields; `risks` replaces its links (ids or risks of the same system)."""
    for field in changes:
        if field in ("status", "status_reason"):
            raise ValidationError({field: "Change the status with a transition."})
        if field not in UPDATABLE:
            raise ValidationError({field: "This field cannot be changed here."})
    return _apply(actor, mitigation, changes, expected_version, action="mitigation.updated")


def mitigation_transition(*, actor, mitigation: Mitigation, status: str, reason: str = "",
                          expected_version: int | None = None) -> Mitigation:
    """Move a mitigation along its status graph; rejecting needs a reason, verifying needs evidence.

    The residual scores of its risks follow (assessments.scoring.suggest_residual).
    """
    return _apply(actor, mitigation, {"status": status, "status_reason": reason or ""}, expected_version,
                  strict=True, action="mitigation.transitioned")


def mitigation_link(*, actor, mitigation: Mitigation, risks, expected_version: int | None = None) -> Mitigation:
    """Link the mitigation to more risks of its system (already linked ones are left as they are)."""
    return _apply(actor, mitigation, {"link_risks": risks}, expected_version)


def mitigation_unlink(*, actor, mitigation: Mitigation, risks, expected_version: int | None = None) -> Mitigation:
    return _apply(actor, mitigation, {"unlink_risks": risks}, expected_version)


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
