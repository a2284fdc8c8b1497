"""Validation of a risk's editable values (each error names its field), shared by its services."""

from django.core.exceptions import ValidationError

from catalog.models import FrameworkItem
from threatmodel.models import AISystem, Component

from ..models import Treatment


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


def check_component(system: AISystem, component) -> Component | None:
    if component in (None, ""):
        return None
    if not isinstance(component, Component):
        component = Component.objects.filter(pk=component).first() if str(component).isdigit() else None
    if component is None or component.system_id != system.pk:
        raise ValidationError({"component": "The component must belong to this risk's system."})
    return component


def check_treatment(value) -> str:
    value = value or ""
    if value not in Treatment.values:
        raise ValidationError({"treatment": f"'{value}' is not one of {', '.join(v for v in Treatment.values if v)}."})
    if value == Treatment.ACCEPT:
        raise ValidationError({"treatment": "Accepting a risk needs an approver and a review date: use accept."})
    return value
