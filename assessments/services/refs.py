"""External ticket references on risks and mitigations, as written by ticket-sync clients.

A reference is unique per team on (tracker, external_id). Setting or removing one records an
audit event on the risk or mitigation it belongs to (so it shows in that object's history), but
does not change the object's own fields or version.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.dateparse import parse_datetime

from threatmodel.audit import audit_record, diff
from threatmodel.models import Role
from threatmodel.services.common import require_role

from ..models import ExternalRef, Mitigation, Risk
from .common import clean_text

REF_FIELDS = ("tracker", "external_id", "key", "url", "remote_status", "remote_updated_at")


def ref_snapshot(ref: ExternalRef | None) -> dict:
    if ref is None:
        return {}
    return {f: getattr(ref, f) for f in REF_FIELDS}


def _clean_tracker(value) -> str:
    tracker = clean_text(value, "tracker", max_length=40, required=True).lower()
    if not tracker.replace("-", "").replace("_", "").isalnum():
        raise ValidationError({"tracker": "A tracker is a short name such as jira or github."})
    return tracker


def _clean_when(value):
    if value in (None, ""):
        return None
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is None:
            raise ValidationError({"remote_updated_at": f"'{value}' is not an ISO 8601 date and time."})
        return parsed
    return value


def external_ref_set(*, actor, target: Risk | Mitigation, tracker: str, external_id: str, key: str = "",
                     url: str = "", remote_status: str = "", remote_updated_at=None) -> ExternalRef:
    """Create or update the reference (tracker, external_id) on a risk or mitigation."""
    team = target.system.team
    require_role(actor, team, Role.CONTRIBUTOR)
    values = {
        "tracker": _clean_tracker(tracker),
        "external_id": clean_text(str(external_id) if external_id is not None else "", "external_id",
                                  max_length=200, required=True),
        "key": clean_text(key, "key", max_length=200),
        "url": clean_text(url, "url", max_length=500),
        "remote_status": clean_text(remote_status, "remote_status", max_length=100),
        "remote_updated_at": _clean_when(remote_updated_at),
    }
    target_field = "risk" if isinstance(target, Risk) else "mitigation"
    with transaction.atomic():
        ref = (ExternalRef.objects.select_for_update()
               .filter(team=team, tracker=values["tracker"], external_id=values["external_id"]).first())
        if ref is not None and getattr(ref, f"{target_field}_id") != target.pk:
            other = ref.target
            raise ValidationError({"external_id": f"{values['tracker']}:{values['external_id']} is already linked "
                                                  f"to {other._meta.verbose_name} {other.pk}."})
        before = ref_snapshot(ref)
        if ref is None:
            ref = ExternalRef(team=team, **{target_field: target})
        for field, value in values.items():
            setattr(ref, field, value)
        ref.full_clean()
        changed = diff(before, ref_snapshot(ref))
        if not changed:
            return ref
        ref.save()
        audit_record(team=team, actor=actor, action="external_ref.set", obj=target,
                     changes={f"external_ref {ref}.{k}": v for k, v in changed.items()})
    return ref


def external_ref_delete(*, actor, ref: ExternalRef) -> None:
    target = ref.target
    team = target.system.team
    require_role(actor, team, Role.CONTRIBUTOR)
    with transaction.atomic():
        audit_record(team=team, actor=actor, action="external_ref.deleted", obj=target,
                     changes={f"external_ref {ref}.{k}": v for k, v in diff(ref_snapshot(ref), {}).items()})
        ref.delete()
