"""Triage of the engine's suggestions, in bulk: accept, dismiss with one reason, assign an owner, and undo
the last accept or dismiss.

`risks_triage` runs the same single-risk services the pages call (`risk_transition`, `risk_update`) for
every selected risk inside one transaction: one refused risk refuses the whole selection, naming it, and
nothing is written. It returns an `UndoRecord` of what an accept or a dismiss changed; `triage_undo`
puts exactly those risks back among the suggestions, provided nobody changed them since (a risk whose
version moved on is a VersionConflict naming it, and nothing is undone).
"""

from dataclasses import asdict, dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from threatmodel.audit import audit_record, diff
from threatmodel.exceptions import VersionConflict
from threatmodel.models import AISystem, Role
from threatmodel.services.common import bump, require_role
from threatmodel.webhooks import emit, object_payload

from ..models import Risk, RiskStatus
from .common import clean_text
from .risks import risk_snapshot, risk_transition, risk_update

ACTIONS = ("accept", "dismiss", "assign")
MAX_SELECTION = 500


@dataclass
class UndoRecord:
    """What one accept or dismiss did: per risk, its version afterwards and what it was before."""

    action: str
    system_id: int
    risks: list[dict] = field(default_factory=list)  # {"id", "version", "acted_at"}

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data) -> "UndoRecord | None":
        try:
            return cls(action=str(data["action"]), system_id=int(data["system_id"]),
                       risks=[{"id": int(r["id"]), "version": int(r["version"]), "acted_at": r.get("acted_at")}
                              for r in data["risks"]])
        except (KeyError, TypeError, ValueError):
            return None


def _selected(system: AISystem, risk_ids) -> list[Risk]:
    try:
        wanted = sorted({int(pk) for pk in risk_ids})
    except (TypeError, ValueError) as exc:
        raise ValidationError({"risks": "Risks are given by their ids."}) from exc
    if not wanted:
        raise ValidationError({"risks": "Select at least one risk."})
    if len(wanted) > MAX_SELECTION:
        raise ValidationError({"risks": f"At most {MAX_SELECTION} risks at once."})
    risks = list(Risk.objects.filter(system=system, pk__in=wanted).select_related("system__team").order_by("id"))
    missing = sorted(set(wanted) - {r.pk for r in risks})
    if missing:
        raise ValidationError({"risks": f"Not risks of this system (or deleted meanwhile): "
                                        f"{', '.join(f'#{pk}' for pk in missing)}."})
    return risks


def risks_triage(*, actor, system: AISystem, risk_ids, action: str, reason: str = "", owner=None
                 ) -> UndoRecord | None:
    """Accept (suggested -> open), dismiss (with one reason for all) or assign an owner to a selection.

    Returns the undo record of an accept or a dismiss (None for an assignment).
    """
    require_role(actor, system.team, Role.CONTRIBUTOR)
    if action not in ACTIONS:
        raise ValidationError({"action": f"'{action}' is not one of {', '.join(ACTIONS)}."})
    reason = clean_text(reason, "status_reason", required=action == "dismiss")
    if action == "assign" and owner in (None, ""):
        raise ValidationError({"owner": "Choose the owner to assign."})
    with transaction.atomic():
        risks = _selected(system, risk_ids)
        if action in ("accept", "dismiss"):
            not_suggested = [r for r in risks if r.status != RiskStatus.SUGGESTED]
            if not_suggested:
                raise ValidationError({"risks": "Only suggestions are accepted or dismissed here; already triaged: "
                                                + ", ".join(f"#{r.pk} ({r.status})" for r in not_suggested) + "."})
        record = UndoRecord(action=action, system_id=system.pk)
        for risk in risks:
            acted_at = risk.acted_at.isoformat() if risk.acted_at else None
            if action == "assign":
                risk_update(actor=actor, risk=risk, owner=owner)
                continue
            status = RiskStatus.OPEN if action == "accept" else RiskStatus.DISMISSED
            done = risk_transition(actor=actor, risk=risk, status=status, reason=reason if action == "dismiss" else "")
            record.risks.append({"id": done.pk, "version": done.version, "acted_at": acted_at})
    return record if action != "assign" else None


def triage_undo(*, actor, system: AISystem, record: UndoRecord) -> list[Risk]:
    """Put the risks of an accept or a dismiss back among the suggestions, if nobody changed them since."""
    require_role(actor, system.team, Role.CONTRIBUTOR)
    if record.system_id != system.pk or record.action not in ("accept", "dismiss") or not record.risks:
        raise ValidationError({"undo": "There is nothing to undo here."})
    team = system.team
    by_id = {r["id"]: r for r in record.risks}
    with transaction.atomic():
        risks = list(Risk.objects.select_for_update(of=("self",)).filter(system=system, pk__in=list(by_id))
                     .select_related("system__team", "template", "owner", "accepted_by").order_by("id"))
        if len(risks) != len(by_id):
            raise ValidationError({"undo": "Some of these risks were deleted meanwhile: nothing was undone."})
        for risk in risks:
            if risk.version != by_id[risk.pk]["version"]:
                raise VersionConflict(risk, by_id[risk.pk]["version"])  # changed since: nothing is undone
        restored = []
        for risk in risks:
            before = risk_snapshot(risk)
            risk.status, risk.status_reason = RiskStatus.SUGGESTED, ""
            acted_at = by_id[risk.pk]["acted_at"]
            risk.acted_at = None if acted_at is None else risk.acted_at  # untouched again, as it was
            bump(risk)
            risk.save()
            audit_record(team=team, actor=actor, action="risk.triage_undone", obj=risk,
                         changes=diff(before, risk_snapshot(risk)))
            emit(team, "risk.updated", object_payload(risk, "risk"))
            restored.append(risk)
    return restored
