"""Writes on risks. Keyword-only; validate, write in one transaction, audit, queue side effects on commit.

`risk_apply` is the one write of a person's change to a risk, whatever it touches (fields, status,
residual override, ticket references): one lock, one version bump, one audit event, one webhook.
`risk_update`, `risk_transition` and `risk_set_residual` are its single-purpose entries.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from threatmodel.audit import audit_record, diff
from threatmodel.models import AISystem, Role, Tombstone
from threatmodel.services.common import bump, check_version, require_role
from threatmodel.webhooks import emit, object_payload

from .. import notifications
from ..fields import RISK_AUDITED
from ..models import RISK_REASON_REQUIRED, RISK_TRANSITIONS, Mitigation, Risk, RiskStatus, Treatment
from ..scoring import validate_level
from .audit import AuditEntry, audit_record_many
from .common import clean_text, resolve_member, to_date, today, user_ref
from .residual import suggested_residual_for
from .risk_checks import check_component, check_treatment, mapping_labels, resolve_framework_items
from .ticket_refs import clean_ref_list, write_ref_list

RISK_FIELDS = RISK_AUDITED
USER_FIELDS = ("owner", "accepted_by")
UPDATABLE = {"title", "description", "component", "likelihood", "impact", "owner", "due", "treatment", "mappings"}
# What one change may carry: the editable fields, a transition, a residual override, the ticket references.
APPLY_KEYS = UPDATABLE | {"status", "status_reason", "residual", "external_refs"}
NOT_HERE = {
    "status": "Change the status with a transition.",
    "status_reason": "Give the reason with the transition that needs it.",
    "residual_likelihood": "Override the residual score with a reason.",
    "residual_impact": "Override the residual score with a reason.",
}


def risk_snapshot(risk: Risk, *, with_mappings: bool = False) -> dict:
    data = model_to_dict(risk, fields=RISK_FIELDS)
    out = {f: data.get(f) for f in RISK_FIELDS}
    for f in USER_FIELDS:
        out[f] = user_ref(getattr(risk, f)) if out[f] else None
    out["template"] = risk.template.ref if risk.template_id else None
    if with_mappings:
        out["mappings"] = mapping_labels(risk.custom_mappings.select_related("framework"))
    return out


def _locked(risk: Risk) -> Risk:
    return (Risk.objects.select_for_update(of=("self",))  # the joined rows may be null: lock only ours
            .select_related("system__team", "template", "owner").get(pk=risk.pk))


def _acted(risk: Risk, actor) -> None:
    if actor is not None and risk.acted_at is None:
        risk.acted_at = timezone.now()


# --- create / update / delete ------------------------------------------------------------------

def risk_create(*, actor, system: AISystem, title: str, description: str = "", component=None,
                likelihood=3, impact=3, owner=None, due=None, treatment: str = "", mappings=None,
                status: str | None = None, status_reason: str = "", external_refs=None) -> Risk:
    """A custom risk (no template), entered by a person: it starts `open` (or moves on to `status` at once),
    with its ticket references if given; one audit event."""
    team = system.team
    require_role(actor, team, Role.CONTRIBUTOR)
    risk = Risk(
        system=system,
        title=clean_text(title, "title", max_length=300, required=True),
        description=clean_text(description, "description"),
        component=check_component(system, component),
        likelihood=validate_level(likelihood, "likelihood"),
        impact=validate_level(impact, "impact"),
        due=to_date(due, "due"),
        treatment=check_treatment(treatment),
        owner=resolve_member(team, owner, "owner"),
        status=RiskStatus.OPEN,
    )
    items = resolve_framework_items(mappings)
    refs = clean_ref_list(external_refs) if external_refs else None
    if status not in (None, RiskStatus.OPEN):
        _set_status(risk, {"status": status, "status_reason": status_reason}, strict=True)
    risk.residual_likelihood, risk.residual_impact = risk.likelihood, risk.impact
    with transaction.atomic():
        _acted(risk, actor)
        risk.full_clean(exclude=["template", "custom_mappings"])
        risk.save()
        if items:
            risk.custom_mappings.set(items)
        changes = diff({}, risk_snapshot(risk, with_mappings=bool(items)))
        if refs:
            changes["external_refs"] = write_ref_list(team=team, target=risk, kind="risk", refs=refs)
        audit_record(team=team, actor=actor, action="risk.created", obj=risk, changes=changes)
        emit(team, "risk.created", object_payload(risk, "risk"))
        if risk.owner is not None:
            notifications.notify_assigned(risk, risk.owner, actor)
    return risk


def risk_apply(*, actor, risk: Risk, changes: dict, expected_version: int | None = None) -> Risk:
    """A person's whole change to a risk, in one transaction with one version bump, one audit event and
    one `risk.updated` webhook. `changes` may hold:

    - editable fields: title, description, component, likelihood, impact, owner, due, treatment, mappings;
    - a transition: status (the current status is no transition) and status_reason;
    - residual: {"override": True, "likelihood", "impact", "reason"}, or {"override": False} to follow the rule;
    - external_refs: the complete list of ticket references.

    The audit event is named after what changed when it is one kind of change (risk.updated,
    risk.transitioned, risk.residual_set, external_ref.replaced), risk.updated otherwise.
    """
    return _apply(actor, risk, dict(changes), expected_version)


def _apply(actor, risk: Risk, changes: dict, expected_version, *, strict: bool = False, action: str = "") -> Risk:
    team = risk.system.team
    require_role(actor, team, Role.CONTRIBUTOR)
    unknown = sorted(set(changes) - APPLY_KEYS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed here."))
    refs = clean_ref_list(changes["external_refs"]) if "external_refs" in changes else None
    residual = _clean_residual(changes["residual"]) if "residual" in changes else None
    with transaction.atomic():
        risk = _locked(risk)
        check_version(risk, expected_version)
        fields = {k: v for k, v in changes.items() if k in UPDATABLE}
        if risk.template_id and "mappings" in fields and _template_mappings(risk, fields["mappings"]):
            fields.pop("mappings")  # a catalog threat's mappings echoed back unchanged are not an edit
        before = risk_snapshot(risk, with_mappings="mappings" in fields)
        old_owner = risk.owner
        items = _set_fields(risk, team, fields)
        _set_status(risk, changes, strict=strict)
        if residual is not None:
            _set_residual(risk, residual)
        if not risk.residual_overridden:
            risk.residual_likelihood, risk.residual_impact = suggested_residual_for(risk)
        risk.full_clean(exclude=["template", "custom_mappings", "system"])
        if items is not None and {i.pk for i in risk.custom_mappings.all()} != {i.pk for i in items}:
            risk.custom_mappings.set(items)
        changed = diff(before, risk_snapshot(risk, with_mappings=items is not None))
        if refs is not None:
            ref_change = write_ref_list(team=team, target=risk, kind="risk", refs=refs)
            if ref_change:
                changed["external_refs"] = ref_change
        if not changed:
            return risk
        _acted(risk, actor)
        bump(risk)
        risk.save()
        audit_record(team=team, actor=actor, action=action or _action_for(changed, fields, residual), obj=risk,
                     changes=changed)
        emit(team, "risk.updated", object_payload(risk, "risk"))
        if risk.owner is not None and risk.owner != old_owner:
            notifications.notify_assigned(risk, risk.owner, actor)
    return risk


def _action_for(changed: dict, fields: dict, residual) -> str:
    kinds = set()
    if any(f in changed for f in fields):
        kinds.add("risk.updated")
    if "status" in changed or "status_reason" in changed:
        kinds.add("risk.transitioned")
    if residual is not None and any(f.startswith("residual") for f in changed):
        kinds.add("risk.residual_set")
    if "external_refs" in changed:
        kinds.add("external_ref.replaced")
    return kinds.pop() if len(kinds) == 1 else "risk.updated"


def _template_mappings(risk: Risk, wanted) -> bool:
    """Whether `wanted` are exactly the catalog threat's own mappings."""
    current = {(i.framework.key, i.ref) for i in risk.template.mappings.select_related("framework")}
    try:
        return current == {(i.framework.key, i.ref) for i in resolve_framework_items(wanted)}
    except ValidationError:
        return False


def _set_fields(risk: Risk, team, changes: dict):
    """Set the editable fields on the locked risk; the framework items when `mappings` is given."""
    if "title" in changes:
        risk.title = clean_text(changes["title"], "title", max_length=300, required=True)
    if "description" in changes:
        risk.description = clean_text(changes["description"], "description")
    if "component" in changes:
        component = check_component(risk.system, changes["component"])
        if risk.template_id and (component.pk if component else None) != risk.component_id:
            raise ValidationError({"component": "A suggested threat stays on the component it was found on."})
        risk.component = component
    for level in ("likelihood", "impact"):
        if level in changes:
            setattr(risk, level, validate_level(changes[level], level))
    if "due" in changes:
        risk.due = to_date(changes["due"], "due")
    if "owner" in changes:
        risk.owner = resolve_member(team, changes["owner"], "owner")
        if risk.treatment == Treatment.ACCEPT and risk.owner is not None and risk.owner == risk.accepted_by:
            raise ValidationError({"owner": "The owner of an accepted risk cannot be its approver."})
    if "treatment" in changes:
        treatment = changes["treatment"] or ""
        if treatment != risk.treatment:
            risk.treatment = check_treatment(treatment)
            risk.accepted_by, risk.accepted_at = None, None
            risk.acceptance_review_date, risk.acceptance_reason = None, ""
    if "mappings" not in changes:
        return None
    if risk.template_id:
        raise ValidationError({"mappings": "A threat from the catalog keeps the catalog's mappings."})
    return resolve_framework_items(changes["mappings"])


def shown_reason(risk: Risk) -> str:
    """The reason a client reads beside the status (a stale risk shows why it is stale)."""
    return risk.status_reason or (risk.stale_reason if risk.stale else "")


def _set_status(risk: Risk, changes: dict, *, strict: bool) -> None:
    """The transition asked for, if any. Not strict: the current status again is no transition."""
    if changes.get("status") is None and changes.get("status_reason") is None:
        return
    status = changes.get("status") or risk.status
    raw_reason = changes.get("status_reason")
    reason = clean_text(raw_reason or "", "status_reason")
    if status == risk.status and not strict:
        if raw_reason is not None and raw_reason != shown_reason(risk):
            raise ValidationError({"status_reason": "A reason goes with the status change that needs it "
                                                    "(send status too)."})
        return
    if status not in RiskStatus.values:
        raise ValidationError({"status": f"'{status}' is not a risk status."})
    if status not in RISK_TRANSITIONS.get(risk.status, ()):
        allowed = ", ".join(risk.allowed_transitions()) or "nothing"
        raise ValidationError({"status": f"A risk cannot go from {risk.status} to {status} "
                                         f"(from {risk.status} it can go to: {allowed})."})
    if status in RISK_REASON_REQUIRED and not reason:
        raise ValidationError({"status_reason": f"Give a reason to set a risk to {status}."})
    risk.status, risk.status_reason = status, reason


def _clean_residual(residual) -> dict:
    if not isinstance(residual, dict):
        raise ValidationError({"residual": "An object with override, likelihood, impact and reason."})
    if not residual.get("override", True):
        return {"override": False}
    likelihood = validate_level(residual.get("likelihood"), "residual_likelihood")
    impact = validate_level(residual.get("impact"), "residual_impact")
    reason = clean_text(residual.get("reason", ""), "residual_override_reason", required=False)
    if not reason:
        raise ValidationError({"residual_override_reason": "Give the reason for overriding the residual score."})
    return {"override": True, "reason": reason, "likelihood": likelihood, "impact": impact}


def _set_residual(risk: Risk, residual: dict) -> None:
    if residual["override"]:
        risk.residual_likelihood, risk.residual_impact = residual["likelihood"], residual["impact"]
        risk.residual_overridden, risk.residual_override_reason = True, residual["reason"]
    else:
        risk.residual_overridden, risk.residual_override_reason = False, ""


def risk_update(*, actor, risk: Risk, expected_version: int | None = None, **changes) -> Risk:
    """Edit a risk's fields (not its status, acceptance or residual override: they have their own service)."""
    for field in changes:
        if field in NOT_HERE:
            raise ValidationError({field: NOT_HERE[field]})
        if field not in UPDATABLE:
            raise ValidationError({field: "This field cannot be changed here."})
    return _apply(actor, risk, changes, expected_version, action="risk.updated")


def risk_delete(*, actor, risk: Risk, expected_version: int | None = None) -> None:
    """Delete a custom risk. A threat from the catalog is dismissed instead (the engine would suggest it again)."""
    team = risk.system.team
    require_role(actor, team, Role.CONTRIBUTOR)
    with transaction.atomic():
        risk = _locked(risk)
        check_version(risk, expected_version)
        if risk.template_id:
            raise ValidationError({"status": "A threat from the catalog cannot be deleted: dismiss it with a reason."})
        audit_record(team=team, actor=actor, action="risk.deleted", obj=risk,
                     changes=diff(risk_snapshot(risk, with_mappings=True), {}))
        emit(team, "risk.deleted", object_payload(risk, "risk"))
        Tombstone.objects.create(team=team, object_type="risk", object_id=str(risk.pk))
        audit_record_many(team=team, actor=actor, entries=_unlink_from_mitigations(risk))
        risk.delete()


def _unlink_from_mitigations(risk: Risk) -> list[AuditEntry]:
    """A deleted risk leaves its mitigations' `risks`: bump them so delta sync sees the change."""
    mitigations = list(Mitigation.objects.select_for_update().filter(risks=risk).prefetch_related("risks"))
    now, entries = timezone.now(), []
    for m in mitigations:
        current = sorted(r.pk for r in m.risks.all())
        m.version += 1
        m.updated_at = now
        entries.append(AuditEntry.for_object(m, "mitigation.unlinked",
                                             {"risks": [current, [pk for pk in current if pk != risk.pk]]}))
    Mitigation.objects.bulk_update(mitigations, ["version", "updated_at"])
    return entries


# --- status, acceptance, residual ------------------------------------------------------------

def risk_transition(*, actor, risk: Risk, status: str, reason: str = "", expected_version: int | None = None
                    ) -> Risk:
    """Move a risk along its status graph; dismissing needs a reason."""
    return _apply(actor, risk, {"status": status, "status_reason": reason or ""}, expected_version, strict=True,
                  action="risk.transitioned")


def risk_accept(*, actor, risk: Risk, review_date, reason: str = "", expected_version: int | None = None) -> Risk:
    """Accept a risk: the actor is the approver (never the risk's owner) and a review date is set."""
    team = risk.system.team
    require_role(actor, team, Role.CONTRIBUTOR)
    review_date = to_date(review_date, "acceptance_review_date", allow_none=False)
    reason = clean_text(reason, "acceptance_reason")
    with transaction.atomic():
        risk = _locked(risk)
        check_version(risk, expected_version)
        if actor is None:
            raise ValidationError({"approver": "Accepting a risk needs a person as approver."})
        if risk.status in (RiskStatus.CLOSED, RiskStatus.DISMISSED):
            raise ValidationError({"status": f"A {risk.status} risk cannot be accepted; reopen it first."})
        if risk.owner is None:
            raise ValidationError({"owner": "Name the risk's owner before accepting it: the owner reviews it."})
        if risk.owner == actor:
            raise ValidationError({"approver": "The approver of an acceptance must be someone other than the owner."})
        if review_date <= today():
            raise ValidationError({"acceptance_review_date": "The review date must be in the future."})
        before = risk_snapshot(risk)
        risk.treatment = Treatment.ACCEPT
        risk.accepted_by, risk.accepted_at = actor, timezone.now()
        risk.acceptance_review_date, risk.acceptance_reason = review_date, reason
        if risk.status == RiskStatus.SUGGESTED:
            risk.status = RiskStatus.OPEN
        _acted(risk, actor)
        bump(risk)
        risk.save()
        audit_record(team=team, actor=actor, action="risk.accepted", obj=risk,
                     changes=diff(before, risk_snapshot(risk)))
        emit(team, "risk.updated", object_payload(risk, "risk"))
    return risk


def risk_set_residual(*, actor, risk: Risk, override: bool = True, likelihood=None, impact=None, reason: str = "",
                      expected_version: int | None = None) -> Risk:
    """Override the suggested residual score with a reason, or (override=False) go back to the rule."""
    residual = {"override": override, "likelihood": likelihood, "impact": impact, "reason": reason}
    return _apply(actor, risk, {"residual": residual}, expected_version, action="risk.residual_set")
