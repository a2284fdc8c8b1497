"""A risk's or mitigation's external references as one list (what ticket-sync clients send).

`clean_ref_list` validates the list before any lock is taken; `write_ref_list` makes the object's
references exactly that list (upsert by tracker + external_id, remove the rest) inside the caller's
transaction, with the object already locked. It records nothing: the caller's one audit event
carries the change it returns.
"""

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Q

from threatmodel.audit import to_jsonable
from threatmodel.exceptions import Conflict

from ..models import ExternalRef
from .common import clean_text
from .refs import REF_FIELDS, _clean_tracker, _clean_when, ref_snapshot


def _clean_ref(raw, index: int) -> dict:
    prefix = f"external_refs[{index}]"
    if not isinstance(raw, dict):
        raise ValidationError({prefix: "Each reference is an object with tracker and external_id."})
    try:
        ref = {
            "tracker": _clean_tracker(raw.get("tracker")),
            "external_id": clean_text(str(raw["external_id"]) if raw.get("external_id") is not None else "",
                                      "external_id", max_length=200, required=True),
            "key": clean_text(raw.get("key", ""), "key", max_length=200),
            "url": clean_text(raw.get("url", ""), "url", max_length=500),
            "remote_status": clean_text(raw.get("remote_status", ""), "remote_status", max_length=100),
            "remote_updated_at": _clean_when(raw.get("remote_updated_at")),
        }
        if ref["url"]:
            try:
                URLValidator(schemes=["http", "https"])(ref["url"])
            except ValidationError as exc:
                raise ValidationError({"url": "An http(s) URL."}) from exc
        return ref
    except ValidationError as exc:
        raise ValidationError({f"{prefix}.{k}": v for k, v in exc.message_dict.items()}) from exc


def clean_ref_list(refs) -> list[dict]:
    if not isinstance(refs, (list, tuple)):
        raise ValidationError({"external_refs": "A list of references."})
    cleaned, seen = [], set()
    for i, raw in enumerate(refs):
        ref = _clean_ref(raw, i)
        key = (ref["tracker"], ref["external_id"])
        if key in seen:
            raise ValidationError({f"external_refs[{i}].external_id": f"{key[0]}:{key[1]} is listed twice."})
        seen.add(key)
        cleaned.append(ref)
    return cleaned


def write_ref_list(*, team, target, kind: str, refs: list[dict]) -> list | None:
    """Make the (locked) target's references exactly `refs`; [before, after] when that changed them.

    A reference of the same team already on another object is a Conflict naming the field."""
    index = {(ref["tracker"], ref["external_id"]): i for i, ref in enumerate(refs)}
    if refs:
        clash = Q()
        for tracker, external_id in index:
            clash |= Q(tracker=tracker, external_id=external_id)
        for other in ExternalRef.objects.filter(clash, team=team).exclude(**{f"{kind}_id": target.pk}):
            i = index[(other.tracker, other.external_id)]
            owner = "risk" if other.risk_id else "mitigation"
            linked = other.risk_id or other.mitigation_id
            raise Conflict({f"external_refs[{i}].external_id": [
                f"{other.tracker}:{other.external_id} is already linked to {owner} {linked}."]})
    existing = {(r.tracker, r.external_id): r for r in ExternalRef.objects.select_for_update().filter(
        **{f"{kind}_id": target.pk})}
    before = sorted((ref_snapshot(r) for r in existing.values()), key=lambda r: (r["tracker"], r["external_id"]))
    try:
        with transaction.atomic():
            for ref in refs:
                row = existing.get((ref["tracker"], ref["external_id"])) or ExternalRef(team=team, **{kind: target})
                if row.pk and all(getattr(row, f) == ref[f] for f in REF_FIELDS):
                    continue
                for field, value in ref.items():
                    setattr(row, field, value)
                row.save()
            gone = [r.pk for k, r in existing.items() if k not in index]
            if gone:
                ExternalRef.objects.filter(pk__in=gone).delete()
    except IntegrityError as exc:  # another client took the same ticket a moment ago
        raise Conflict({"external_refs": ["A reference was linked to another object at the same time; "
                                          "re-read and retry."]}) from exc
    after = sorted(refs, key=lambda r: (r["tracker"], r["external_id"]))
    if to_jsonable(before) == to_jsonable(after):
        return None
    return [before, after]
