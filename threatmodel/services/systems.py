from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from catalog.questions import validate_answers

from .. import events
from ..audit import audit_record, diff
from ..models import AISystem, Component, ComponentKind, DataFlow, Role, Tombstone
from .common import apply_changes, bump, check_version, ensure_member_user, lock_system, require_role, snapshot

SYSTEM_FIELDS = ("name", "description", "lifecycle_stage", "owner", "answers")
COMPONENT_FIELDS = ("kind", "name", "description", "answers", "position", "trust_zone")
FLOW_FIELDS = ("source", "target", "label", "answers")


def _validated_answers(scope: str, answers, field: str = "answers") -> dict:
    if answers is None:
        return {}
    if not isinstance(answers, dict):
        raise ValidationError({field: "Answers must be a JSON object of question key to value."})
    errors = validate_answers(scope, answers)
    if errors:
        raise ValidationError({field: [f"{key}: {msg}" for key, msg in errors.items()]})
    return dict(answers)


def _unique_slug(team, name: str, exclude_pk=None) -> str:
    base = slugify(name)[:180] or "system"
    slug, n = base, 2
    qs = AISystem.objects.filter(team=team)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    taken = set(qs.filter(slug__startswith=base).values_list("slug", flat=True))
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


# --- systems ---------------------------------------------------------------------

def system_create(*, actor, team, name: str, description: str = "", lifecycle_stage: str = "design",
                  owner=None, answers: dict | None = None) -> AISystem:
    require_role(actor, team, Role.CONTRIBUTOR)
    with transaction.atomic():
        system = AISystem(team=team, name=name, description=description, lifecycle_stage=lifecycle_stage,
                          owner=owner, answers=_validated_answers("system", answers))
        ensure_member_user(team, owner)
        system.slug = _unique_slug(team, name)
        system.full_clean()
        system.save()
        audit_record(team=team, actor=actor, action="system.created", obj=system,
                     changes=diff({}, snapshot(system, SYSTEM_FIELDS)))
        events.system_changed(system.pk)
    return system


def system_update(*, actor, system: AISystem, expected_version: int | None = None, **changes) -> AISystem:
    require_role(actor, system.team, Role.CONTRIBUTOR)
    with transaction.atomic():
        system = AISystem.objects.select_for_update(of=("self",), no_key=True).select_related("team").get(pk=system.pk)
        check_version(system, expected_version)
        if "answers" in changes:
            changes["answers"] = _validated_answers("system", changes["answers"])
        if "owner" in changes:
            ensure_member_user(system.team, changes["owner"])
        before = snapshot(system, SYSTEM_FIELDS)
        apply_changes(system, changes, set(SYSTEM_FIELDS))
        system.full_clean(exclude=["slug"])
        changed = diff(before, snapshot(system, SYSTEM_FIELDS))
        if not changed:
            return system
        if "name" in changed:
            system.slug = _unique_slug(system.team, system.name, exclude_pk=system.pk)
        bump(system)
        system.save()
        audit_record(team=system.team, actor=actor, action="system.updated", obj=system, changes=changed)
        if "answers" in changed:
            events.system_changed(system.pk)
    return system


def system_delete(*, actor, system: AISystem, expected_version: int | None = None) -> None:
    require_role(actor, system.team, Role.OWNER)
    with transaction.atomic():
        system = AISystem.objects.select_for_update(of=("self",)).select_related("team").get(pk=system.pk)
        check_version(system, expected_version)
        audit_record(team=system.team, actor=actor, action="system.deleted", obj=system,
                     changes=diff(snapshot(system, SYSTEM_FIELDS), {}))
        children = [("component", pk) for pk in system.components.values_list("pk", flat=True)]
        children += [("flow", pk) for pk in system.flows.values_list("pk", flat=True)]
        children += events.deleted_with_system(system)
        Tombstone.objects.bulk_create(
            [Tombstone(team=system.team, object_type="system", object_id=str(system.pk))]
            + [Tombstone(team=system.team, object_type=kind, object_id=str(pk)) for kind, pk in children],
            batch_size=1000)
        system.delete()


# --- components -----------------------------------------------------------------

def _zone(name) -> str:
    """A trust zone's name: one line, spaces collapsed (blank for none)."""
    if name is not None and not isinstance(name, str):
        raise ValidationError({"trust_zone": "A trust zone is named by text."})
    return " ".join((name or "").split())


def component_create(*, actor, system: AISystem, kind: str, name: str, description: str = "",
                     answers: dict | None = None, position: int | None = None, trust_zone: str = "") -> Component:
    require_role(actor, system.team, Role.CONTRIBUTOR)
    if kind not in ComponentKind.values:
        raise ValidationError({"kind": f"'{kind}' is not one of {', '.join(ComponentKind.values)}."})
    with transaction.atomic():
        lock_system(system.pk)
        if position is None:
            position = Component.objects.filter(system=system, kind=kind).count()
        component = Component(system=system, kind=kind, name=name, description=description,
                              answers=_validated_answers(kind, answers), position=position,
                              trust_zone=_zone(trust_zone))
        component.full_clean()
        component.save()
        audit_record(team=system.team, actor=actor, action="component.created", obj=component,
                     changes=diff({}, snapshot(component, COMPONENT_FIELDS)))
        events.system_changed(system.pk)
    return component


def component_update(*, actor, component: Component, expected_version: int | None = None,
                     **changes) -> Component:
    team = component.system.team
    require_role(actor, team, Role.CONTRIBUTOR)
    with transaction.atomic():
        lock_system(component.system_id)
        component = (Component.objects.select_for_update(of=("self",), no_key=True).select_related("system__team")
                     .get(pk=component.pk))
        check_version(component, expected_version)
        kind = changes.get("kind", component.kind)
        if kind not in ComponentKind.values:
            raise ValidationError({"kind": f"'{kind}' is not one of {', '.join(ComponentKind.values)}."})
        if "answers" in changes or "kind" in changes:
            changes["answers"] = _validated_answers(kind, changes.get("answers", component.answers))
        if "trust_zone" in changes:
            changes["trust_zone"] = _zone(changes["trust_zone"])
        before = snapshot(component, COMPONENT_FIELDS)
        apply_changes(component, changes, set(COMPONENT_FIELDS))
        component.full_clean()
        changed = diff(before, snapshot(component, COMPONENT_FIELDS))
        if not changed:
            return component
        bump(component)
        component.save()
        audit_record(team=team, actor=actor, action="component.updated", obj=component, changes=changed)
        if set(changed) & {"kind", "answers"}:
            events.system_changed(component.system_id)
    return component


def component_delete(*, actor, component: Component, expected_version: int | None = None) -> None:
    team = component.system.team
    require_role(actor, team, Role.CONTRIBUTOR)
    with transaction.atomic():
        lock_system(component.system_id)
        component = Component.objects.select_for_update(of=("self",)).get(pk=component.pk)
        check_version(component, expected_version)
        system_id = component.system_id
        audit_record(team=team, actor=actor, action="component.deleted", obj=component,
                     changes=diff(snapshot(component, COMPONENT_FIELDS), {}))
        flow_ids = list(DataFlow.objects.filter(source=component).values_list("pk", flat=True)) + list(
            DataFlow.objects.filter(target=component).values_list("pk", flat=True))
        Tombstone.objects.bulk_create(
            [Tombstone(team=team, object_type="component", object_id=str(component.pk))]
            + [Tombstone(team=team, object_type="flow", object_id=str(pk)) for pk in flow_ids])
        component.delete()
        events.system_changed(system_id)


# --- flows ------------------------------------------------------------------------

def _check_flow_ends(system: AISystem, source: Component, target: Component) -> None:
    errors = {}
    if source is None or source.system_id != system.pk:
        errors["source"] = "The source must be a component of this system."
    if target is None or target.system_id != system.pk:
        errors["target"] = "The target must be a component of this system."
    if not errors and source.pk == target.pk:
        errors["target"] = "A flow needs two different components."
    if errors:
        raise ValidationError(errors)


def flow_create(*, actor, system: AISystem, source: Component, target: Component, label: str = "",
                answers: dict | None = None) -> DataFlow:
    require_role(actor, system.team, Role.CONTRIBUTOR)
    _check_flow_ends(system, source, target)
    with transaction.atomic():
        lock_system(system.pk)
        flow = DataFlow(system=system, source=source, target=target, label=label,
                        answers=_validated_answers("flow", answers))
        flow.full_clean()
        flow.save()
        audit_record(team=system.team, actor=actor, action="flow.created", obj=flow,
                     changes=diff({}, snapshot(flow, FLOW_FIELDS)))
        events.system_changed(system.pk)
    return flow


def flow_update(*, actor, flow: DataFlow, expected_version: int | None = None, **changes) -> DataFlow:
    team = flow.system.team
    require_role(actor, team, Role.CONTRIBUTOR)
    with transaction.atomic():
        lock_system(flow.system_id)
        flow = (DataFlow.objects.select_for_update(of=("self",), no_key=True)
                .select_related("system__team", "source", "target").get(pk=flow.pk))
        check_version(flow, expected_version)
        if "answers" in changes:
            changes["answers"] = _validated_answers("flow", changes["answers"])
        before = snapshot(flow, FLOW_FIELDS)
        apply_changes(flow, changes, set(FLOW_FIELDS))
        _check_flow_ends(flow.system, flow.source, flow.target)
        flow.full_clean()
        changed = diff(before, snapshot(flow, FLOW_FIELDS))
        if not changed:
            return flow
        bump(flow)
        flow.save()
        audit_record(team=team, actor=actor, action="flow.updated", obj=flow, changes=changed)
        events.system_changed(flow.system_id)
    return flow


def flow_delete(*, actor, flow: DataFlow, expected_version: int | None = None) -> None:
    team = flow.system.team
    require_role(actor, team, Role.CONTRIBUTOR)
    with transaction.atomic():
        lock_system(flow.system_id)
        flow = DataFlow.objects.select_for_update(of=("self",)).get(pk=flow.pk)
        check_version(flow, expected_version)
        system_id = flow.system_id
        audit_record(team=team, actor=actor, action="flow.deleted", obj=flow,
                     changes=diff(snapshot(flow, FLOW_FIELDS), {}))
        Tombstone.objects.create(team=team, object_type="flow", object_id=str(flow.pk))
        flow.delete()
        events.system_changed(system_id)
