"""The order of the cards in a lane of the diagram (Component.position), set by drag and drop or keys."""

from django.core.exceptions import ValidationError
from django.db import transaction

from ..audit import audit_record
from ..models import AISystem, Component, ComponentKind, Role
from .common import bump, require_role

KINDS = tuple(ComponentKind.values)


def components_reorder(*, actor, system: AISystem, kind: str, order) -> list[Component]:
    """Put the components of one lane in `order` (their ids, every one of the lane exactly once)."""
    require_role(actor, system.team, Role.CONTRIBUTOR)
    if kind not in KINDS:
        raise ValidationError({"kind": f"'{kind}' is not one of {', '.join(KINDS)}."})
    try:
        wanted = [int(pk) for pk in order]
    except (TypeError, ValueError) as exc:
        raise ValidationError({"order": "The order is a list of component ids."}) from exc
    with transaction.atomic():
        lane = list(Component.objects.select_for_update().filter(system=system, kind=kind).order_by("position", "id"))
        if sorted(wanted) != sorted(c.pk for c in lane) or len(set(wanted)) != len(wanted):
            raise ValidationError({"order": f"Give every {kind} of this system exactly once (someone may have "
                                            "added or removed one meanwhile: reload)."})
        before = [c.pk for c in lane]
        if before == wanted and all(c.position == i for i, c in enumerate(lane)):
            return lane
        by_id = {c.pk: c for c in lane}
        changed = []
        for position, pk in enumerate(wanted):
            component = by_id[pk]
            if component.position != position:
                component.position = position
                bump(component)
                changed.append(component)
        for component in changed:
            component.save(update_fields=["position", "version", "updated_at"])
        audit_record(team=system.team, actor=actor, action="system.components_reordered", obj=system,
                     changes={f"{kind} order": [before, wanted]})
    return [by_id[pk] for pk in wanted]
