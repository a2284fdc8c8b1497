"""Writes on risks. Keyword-only; validate, write in one transaction, audit, queue side effects on commit."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from catalog.models import FrameworkItem
from threatmodel.audit import audit_record, diff
from threatmodel.models import AISystem, Component, Role, Tombstone
from threatmodel.services.common import bump, check_version, require_role
from threatmodel.webhooks import emit, object_payload

from .. import notifications
from ..models import RISK_REASON_REQUIRED, RISK_TRANSITIONS, Mitigation, Risk, RiskStatus, Treatment
from ..scoring import validate_level
from .audit import AuditEntry, audit_record_many
from .common import clean_text, resolve_member, to_date, today, user_ref
from .residual import suggested_residual_for

RISK_FIELDS = (
    "title", "description", "component", "status", "status_reason", "stale", "stale_reason",
    "likelihood", "impact", "residual_likelihood", "residual_impact", "residual_overridden",
    "residual_override_reason", "treatment", "owner", "due", "accepted_by", "acceptance_review_date",
    "acceptance_reason",
)
USER_FIELDS = ("owner", "accepted_by")
UPDATABLE = {"title", "description", "component", "likelihood", "impact", "owner", "due", "treatment", "mappings"}
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


def mapping_labels(items) -> list[str]:
    return sorted(f"{item.framework.key}:{item.ref}" for item in items)


def resolve_framework_items(values, field: str = "mappings") -> list[FrameworkItem]:
    """FrameworkItems from instances, ids, "KEY:ref" strings or {"framework", "ref"} objects."""
    if values is None:
        return []
    if isinstance(values, (str, dict)) or not hasattr(values, "__iter__"):
        values = [values]
    found: dict[int, FrameworkItem] = {}
    wanted_ids, wanted_refs, errors = [], [], []
    for value in values:
        if isinstance(value, FrameworkItem):
            found[value.pk] = value
        elif isinstance(value, int) and not isinstance(value, bool):
            wanted_ids.append(value)
        elif isinstance(value, str) and ":" in value:
            key, _, ref = value.partition(":")
            wanted_refs.append((key.strip(), ref.strip()))
        elif isinstance(value, dict) and value.get("framework") and value.get("ref"):
            wanted_refs.append((str(value["framework"]), str(value["ref"])))
        else:
            errors.append(f"'{value}' is not a framework item (use FRAMEWORK:REF, e.g. NIST-AI-RMF:MEASURE 2.7).")
    if wanted_ids:
        by_id = FrameworkItem.objects.select_related("framework").in_bulk(wanted_ids)
        errors += [f"Framework item {pk} does not exist." for pk in wanted_ids if pk not in by_id]
        found.update(by_id)
    for key, ref in wanted_refs:
        item = FrameworkItem.objects.select_related("framework").filter(framework__key=key, ref=ref).first()
        if item is None:
            errors.append(f"'{key}:{ref}' is not a framework item.")
        else:
            found[item.pk] = item
    if errors:
        raise ValidationError({field: errors})
    return list(found.values())


def _check_component(system: AISystem, component) -> Component | None:
    if component in (None, ""):
        return None
    if not isinstance(component, Component):
        component = Component.objects.filter(pk=component).first() if str(component).isdigit() else None
    if component is None or component.system_id != system.pk:
        raise ValidationError({"component": "The component must belong to this risk's system."})
    return component


def _check_treatment(value) -> str:
    value = value or ""
    if value not in Treatment.values:
        raise ValidationError({"treatment": f"'{value}' is not one of {', '.join(v for v in Treatment.values if v)}."})
    if value == Treatment.ACCEPT:
        raise ValidationError({"treatment": "Accepting a risk needs an approver and a review date: use accept."})
    return value


def _locked(risk: Risk) -> Risk:
    return (Risk.objects.select_for_update(of=("self",))  # the joined rows may be null: lock only ours
            .select_related("system__team", "template", "owner").get(pk=risk.pk))


def _acted(risk: Risk, actor) -> None:
    if actor is not None and risk.acted_at is None:
        risk.acted_at = timezone.now()


# --- create / update / delete ------------------------------------------------------------------

def risk_create(*, actor, system: AISystem, title: str, description: str = "", component=None,
                likelihood=3, impact=3, owner=None, due=None, treatment: str = "", mappings=None) -> Risk:
    """A custom risk (no template), entered by a person: it starts `open`."""
    team = system.team
    require_role(actor, team, Role.CONTRIBUTOR)
    risk = Risk(
        system=system,
        title=clean_text(title, "title", max_length=300, required=True),
        description=clean_text(description, "description"),
        component=_check_component(system, component),
        likelihood=validate_level(likelihood, "likelihood"),
        impact=validate_level(impact, "impact"),
        due=to_date(due, "due"),
        treatment=_check_treatment(treatment),
        owner=resolve_member(team, owner, "owner"),
        status=RiskStatus.OPEN,
    )
    items = resolve_framework_items(mappings)
    risk.residual_likelihood, risk.residual_impact = risk.likelihood, risk.impact
    with transaction.atomic():
        _acted(risk, actor)
        risk.full_clean(exclude=["template", "custom_mappings"])
        risk.save()
        if items:
            risk.custom_mappings.set(items)
        audit_record(team=team, actor=actor, action="risk.created", obj=risk,
                     changes=diff({}, risk_snapshot(risk, with_mappings=bool(items))))
        emit(team, "risk.created", object_payload(risk, "risk"))
        if risk.owner is not None:
            notifications.notify_assigned(risk, risk.owner, actor)
    return risk


def risk_update(*, actor, risk: Risk, expected_version: int | None = None, **changes) -> Risk:
    """Edit a risk's fields (not its status, acceptance or residual override: they have their own service)."""
    team = risk.system.team
    require_role(actor, team, Role.CONTRIBUTOR)
    for field in changes:
        if field in NOT_HERE:
            raise ValidationError({field: NOT_HERE[field]})
        if field not in UPDATABLE:
            raise ValidationError({field: "This field cannot be changed here."})
    with transaction.atomic():
        risk = _locked(risk)
        check_version(risk, expected_version)
        before = risk_snapshot(risk, with_mappings="mappings" in changes)
        old_owner = risk.owner
        if "title" in changes:
            risk.title = clean_text(changes["title"], "title", max_length=300, required=True)
        if "description" in changes:
            risk.description = clean_text(changes["description"], "description")
        if "component" in changes:
            component = _check_component(risk.system, changes["component"])
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
                risk.treatment = _check_treatment(treatment)
                risk.accepted_by, risk.accepted_at = None, None
                risk.acceptance_review_date, risk.acceptance_reason = None, ""
        items = None
        if "mappings" in changes:
            if risk.template_id:
                raise ValidationError({"mappings": "A threat from the catalog keeps the catalog's mappings."})
            items = resolve_framework_items(changes["mappings"])
        if not risk.residual_overridden:
            risk.residual_likelihood, risk.residual_impact = suggested_residual_for(risk)
        risk.full_clean(exclude=["template", "custom_mappings", "system"])
        if items is not None:
            current = {i.pk for i in risk.custom_mappings.all()}
            if current != {i.pk for i in items}:
                risk.custom_mappings.set(items)
        changed = diff(before, risk_snapshot(risk, with_mappings=items is not None))
        if not changed:
            return risk
        _acted(risk, actor)
        bump(risk)
        risk.save()
        audit_record(team=team, actor=actor, action="risk.updated", obj=risk, changes=changed)
        emit(team, "risk.updated", object_payload(risk, "risk"))
        if risk.owner is not None and risk.owner != old_owner:
            notifications.notify_assigned(risk, risk.owner, actor)
    return risk


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
    team = risk.system.team
    require_role(actor, team, Role.CONTRIBUTOR)
    reason = clean_text(reason, "status_reason")
    with transaction.atomic():
        risk = _locked(risk)
        check_version(risk, expected_version)
        if status not in RiskStatus.values:
            raise ValidationError({"status": f"'{status}' is not a risk status."})
        if status not in RISK_TRANSITIONS.get(risk.status, ()):
            allowed = ", ".join(risk.allowed_transitions()) or "nothing"
            raise ValidationError({"status": f"A risk cannot go from {risk.status} to {status} "
                                             f"(from {risk.status} it can go to: {allowed})."})
        if status in RISK_REASON_REQUIRED and not reason:
            raise ValidationError({"status_reason": f"Give a reason to set a risk to {status}."})
        before = risk_snapshot(risk)
        risk.status, risk.status_reason = status, reason
        _acted(risk, actor)
        bump(risk)
        risk.save()
        audit_record(team=team, actor=actor, action="risk.transitioned", obj=risk,
                     changes=diff(before, risk_snapshot(risk)))
        emit(team, "risk.updated", object_payload(risk, "risk"))
    return risk


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
    team = risk.system.team
    require_role(actor, team, Role.CONTRIBUTOR)
    if override:
        likelihood = validate_level(likelihood, "residual_likelihood")
        impact = validate_level(impact, "residual_impact")
        reason = clean_text(reason, "residual_override_reason", required=False)
        if not reason:
            raise ValidationError({"residual_override_reason": "Give the reason for overriding the residual score."})
    with transaction.atomic():
        risk = _locked(risk)
        check_version(risk, expected_version)
        before = risk_snapshot(risk)
        if override:
            risk.residual_likelihood, risk.residual_impact = likelihood, impact
            risk.residual_overridden, risk.residual_override_reason = True, reason
        else:
            risk.residual_overridden, risk.residual_override_reason = False, ""
            risk.residual_likelihood, risk.residual_impact = suggested_residual_for(risk)
        changed = diff(before, risk_snapshot(risk))
        if not changed:
            return risk
        _acted(risk, actor)
        bump(risk)
        risk.save()
        audit_record(team=team, actor=actor, action="risk.residual_set", obj=risk, changes=changed)
        emit(team, "risk.updated", object_payload(risk, "risk"))
    return risk
