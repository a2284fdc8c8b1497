"""Whether an object imported before already holds what the file says, so a re-import leaves it alone.

A new version of a model changes a few elements; the rest match what the earlier import wrote. Those
are compared here, in memory, with the values the service would set (text stripped, dates parsed), and
only the objects that differ are written through their services. When in doubt (a value the service
would reject, a comparison this module does not know) the answer is "changed", and the service decides.
"""

from django.core.exceptions import ValidationError

from ..models import Mitigation, Risk
from ..services.common import to_date


class Links:
    """The current risk links of the mitigations and framework mappings of the risks imported before."""

    def __init__(self, found: dict):
        risk_ids = [r.pk for r in found.get("risks", {}).values()]
        mitigation_ids = [m.pk for m in found.get("mitigations", {}).values()]
        self.mappings: dict[int, set[int]] = {pk: set() for pk in risk_ids}
        self.risks: dict[int, set[int]] = {pk: set() for pk in mitigation_ids}
        if risk_ids:
            for risk_id, item_id in Risk.custom_mappings.through.objects.filter(risk_id__in=risk_ids).values_list(
                    "risk_id", "frameworkitem_id"):
                self.mappings[risk_id].add(item_id)
        if mitigation_ids:
            for m_id, risk_id in Mitigation.risks.through.objects.filter(mitigation_id__in=mitigation_ids).values_list(
                    "mitigation_id", "risk_id"):
                self.risks[m_id].add(risk_id)


def _text(value) -> str:
    return (value or "").strip() if isinstance(value, str) or value is None else value


def _same(obj, values: dict) -> bool:
    for name, wanted in values.items():
        current = getattr(obj, name)
        if name in ("title", "description", "name", "label", "evidence"):
            current, wanted = _text(current), _text(wanted)
        if current != wanted:
            return False
    return True


def component(existing, changes: dict) -> bool:
    return _same(existing, changes)


def flow(existing, source, target, label: str, answers: dict) -> bool:
    return (existing.source_id, existing.target_id) == (source.pk, target.pk) and _same(
        existing, {"label": label, "answers": answers})


def risk(existing, changes: dict, links: Links) -> bool:
    values = dict(changes)
    try:
        if "due" in values:
            values["due"] = to_date(values["due"], "due")
    except ValidationError:
        return False
    if "component" in values:
        component_obj = values.pop("component")
        if existing.component_id != (component_obj.pk if component_obj else None):
            return False
    if "mappings" in values and links.mappings.get(existing.pk) != {i.pk for i in values.pop("mappings")}:
        return False
    for name in ("owner",):
        if name in values and getattr(existing, f"{name}_id") != getattr(values.pop(name), "pk", None):
            return False
    return _same(existing, values)


def mitigation(existing, fields: dict, risks: list[int], links: Links) -> bool:
    values = dict(fields)
    if links.risks.get(existing.pk) != set(risks):
        return False
    try:
        if "due" in values:
            values["due"] = to_date(values["due"], "due")
    except ValidationError:
        return False
    if "owner" in values and existing.owner_id != getattr(values.pop("owner"), "pk", None):
        return False
    if "evidence_links" in values and list(existing.evidence_links or []) != list(values.pop("evidence_links") or []):
        return False
    return _same(existing, values)
