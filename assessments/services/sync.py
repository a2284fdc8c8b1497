"""Writes made by ticket-sync clients: a risk's or mitigation's external references as one list, and
the documented rule that moves a mitigation to follow its ticket's status category.

Replacing the references is a write on the object: it needs the object's version (If-Match), bumps
`version` and `updated_at` (so ETags and delta sync see it) and records one audit event, but changes
none of the object's own fields: a ticket moving to "In Review" never edits a mitigation by itself.
`mitigation_follow_remote` is the separate, explicit step that applies the status rule.
"""

from collections import deque

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from threatmodel.audit import audit_record, to_jsonable
from threatmodel.exceptions import Conflict
from threatmodel.models import Role
from threatmodel.services.common import check_version, require_role
from threatmodel.webhooks import emit, object_payload

from ..models import MITIGATION_TRANSITIONS, ExternalRef, Mitigation, MitigationStatus, Risk
from .common import clean_text
from .mitigations import mitigation_transition
from .refs import REF_FIELDS, _clean_tracker, _clean_when, ref_snapshot

# --- the remote status rule ------------------------------------------------------------------

TO_DO, IN_PROGRESS, DONE = "to_do", "in_progress", "done"
CATEGORIES = (TO_DO, IN_PROGRESS, DONE)
# Names trackers use for their status categories (Jira: new / indeterminate / done; GitHub: open / closed).
CATEGORY_ALIASES = {
    "to_do": TO_DO, "todo": TO_DO, "new": TO_DO, "open": TO_DO, "backlog": TO_DO, "reopened": TO_DO,
    "in_progress": IN_PROGRESS, "indeterminate": IN_PROGRESS, "in_review": IN_PROGRESS, "doing": IN_PROGRESS,
    "done": DONE, "closed": DONE, "resolved": DONE, "complete": DONE, "completed": DONE,
}
# category -> the mitigation status it asks for
TARGET_STATUS = {TO_DO: MitigationStatus.PLANNED, IN_PROGRESS: MitigationStatus.IN_PROGRESS,
                 DONE: MitigationStatus.IMPLEMENTED}


def remote_category(remote_status: str) -> str | None:
    """`to_do`, `in_progress`, `done`, or None for a status the rule does not know."""
    key = (remote_status or "").strip().lower().replace("-", "_").replace(" ", "_")
    return CATEGORY_ALIASES.get(key)


def status_for_remote(category: str | None, current: str) -> str:
    """The rule (docs/api.md#remote-status): the mitigation status a ticket's category asks for.

    - unknown category, or a rejected mitigation: unchanged (rejecting is the team's decision);
    - done: implemented (a verified mitigation stays verified: verifying needs evidence, never a ticket);
    - in_progress: in_progress; to_do: planned (a done mitigation whose ticket is reopened goes back).
    """
    if category not in TARGET_STATUS or current == MitigationStatus.REJECTED:
        return current
    if category == DONE and current == MitigationStatus.VERIFIED:
        return current
    return TARGET_STATUS[category]


def transition_path(current: str, target: str) -> list[str]:
    """The shortest walk through the status graph (never via rejected)."""
    if current == target:
        return []
    seen, queue = {current}, deque([(current, [])])
    while queue:
        status, path = queue.popleft()
        for nxt in sorted(MITIGATION_TRANSITIONS.get(status, ())):
            if nxt in seen or nxt == MitigationStatus.REJECTED:
                continue
            if nxt == target:
                return [*path, nxt]
            seen.add(nxt)
            queue.append((nxt, [*path, nxt]))
    return []


def least_done(categories) -> str | None:
    known = [c for c in categories if c in CATEGORIES]
    return min(known, key=CATEGORIES.index) if known else None


def mitigation_follow_remote(*, actor, mitigation: Mitigation, expected_version: int | None = None) -> Mitigation:
    """Move the mitigation to the status its tickets' category asks for (the least done ticket wins),
    step by step through `mitigation_transition` (each step audited). Nothing happens when no ticket has a
    known category or the rule asks for the current status."""
    with transaction.atomic():
        locked = Mitigation.objects.select_for_update(of=("self",)).get(pk=mitigation.pk)
        check_version(locked, expected_version)
        category = least_done(remote_category(r.remote_status) for r in locked.external_refs.all())
        target = status_for_remote(category, locked.status)
        version = locked.version
        for step in transition_path(locked.status, target):
            mitigation = mitigation_transition(actor=actor, mitigation=locked, status=step, expected_version=version,
                                               reason="")
            version = mitigation.version
            locked = mitigation
        return locked


# --- external references as one list ------------------------------------------------------------

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


def _locked_target(target):
    model = type(target)
    return model.objects.select_for_update(of=("self",)).select_related("system__team").get(pk=target.pk)


def external_refs_replace(*, actor, target: Risk | Mitigation, refs, expected_version: int | None = None):
    """Make the object's external references exactly `refs` (upsert by tracker + external_id, remove the
    rest). A reference of the same team already on another object is a Conflict naming the field."""
    team = target.system.team
    require_role(actor, team, Role.CONTRIBUTOR)
    if not isinstance(refs, (list, tuple)):
        raise ValidationError({"external_refs": "A list of references."})
    cleaned, seen = [], {}
    for i, raw in enumerate(refs):
        ref = _clean_ref(raw, i)
        key = (ref["tracker"], ref["external_id"])
        if key in seen:
            raise ValidationError({f"external_refs[{i}].external_id": f"{key[0]}:{key[1]} is listed twice."})
        seen[key] = i
        cleaned.append(ref)
    kind = "risk" if isinstance(target, Risk) else "mitigation"
    with transaction.atomic():
        target = _locked_target(target)
        check_version(target, expected_version)
        if cleaned:
            clash = Q()
            for tracker, external_id in seen:
                clash |= Q(tracker=tracker, external_id=external_id)
            for other in ExternalRef.objects.filter(clash, team=team).exclude(**{f"{kind}_id": target.pk}):
                i = seen[(other.tracker, other.external_id)]
                owner = "risk" if other.risk_id else "mitigation"
                linked = other.risk_id or other.mitigation_id
                raise Conflict({f"external_refs[{i}].external_id": [
                    f"{other.tracker}:{other.external_id} is already linked to {owner} {linked}."]})
        existing = {(r.tracker, r.external_id): r for r in ExternalRef.objects.select_for_update().filter(
            **{f"{kind}_id": target.pk})}
        before = sorted((ref_snapshot(r) for r in existing.values()), key=lambda r: (r["tracker"], r["external_id"]))
        keep = set()
        try:
            with transaction.atomic():
                for ref in cleaned:
                    key = (ref["tracker"], ref["external_id"])
                    keep.add(key)
                    row = existing.get(key) or ExternalRef(team=team, **{kind: target})
                    if row.pk and all(getattr(row, f) == ref[f] for f in REF_FIELDS):
                        continue
                    for field, value in ref.items():
                        setattr(row, field, value)
                    row.save()
                gone = [r.pk for k, r in existing.items() if k not in keep]
                if gone:
                    ExternalRef.objects.filter(pk__in=gone).delete()
        except IntegrityError as exc:  # another client took the same ticket a moment ago
            raise Conflict({"external_refs": ["A reference was linked to another object at the same time; "
                                              "re-read and retry."]}) from exc
        after = sorted(cleaned, key=lambda r: (r["tracker"], r["external_id"]))
        if to_jsonable(before) == to_jsonable(after):
            return target
        target.version += 1
        target.updated_at = timezone.now()
        target.save(update_fields=["version", "updated_at"])
        audit_record(team=team, actor=actor, action="external_ref.replaced", obj=target,
                     changes={"external_refs": [before, after]})
        emit(team, f"{kind}.updated", object_payload(target, kind))
    return target
