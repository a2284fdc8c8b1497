"""Appending many audit events in one go (the engine's reconcile writes one event per risk it changes).

Same chain as ``threatmodel.audit.audit_record`` (same canonical content and hash), but the team row
is locked once and the events are inserted with one ``bulk_create``: a reconcile that suggests two
thousand risks writes two thousand chained events in a few statements, not six thousand.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from threatmodel.audit import GENESIS, actor_label, chain_hash, to_jsonable
from threatmodel.models import AuditEvent, Team


@dataclass
class AuditEntry:
    action: str
    object_type: str
    object_id: str
    object_repr: str = ""
    changes: dict = field(default_factory=dict)

    @classmethod
    def for_object(cls, obj, action: str, changes: dict | None = None) -> "AuditEntry":
        return cls(action=action, object_type=obj._meta.label_lower, object_id=str(obj.pk),
                   object_repr=str(obj)[:300], changes=changes or {})


def audit_record_many(*, team: Team, actor, entries: list[AuditEntry]) -> list[AuditEvent]:
    """Append ``entries`` to the team's chain, in order. Call inside the service's transaction."""
    if not entries:
        return []
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record_many must run inside the service's transaction")
    Team.objects.select_for_update().filter(pk=team.pk).values_list("pk", flat=True).first()
    last = AuditEvent.objects.filter(team=team).order_by("-seq").values("seq", "hash").first()
    seq, prev = (last["seq"], last["hash"]) if last else (0, GENESIS)
    now = timezone.now()
    label = actor_label(actor)
    actor_obj = actor if getattr(actor, "pk", None) else None
    events = []
    for entry in entries:
        seq += 1
        event = AuditEvent(team=team, seq=seq, actor=actor_obj, actor_label=label, action=entry.action,
                           object_type=entry.object_type, object_id=str(entry.object_id),
                           object_repr=entry.object_repr[:300], changes=to_jsonable(entry.changes or {}),
                           at=now, prev_hash=prev)
        event.hash = prev = chain_hash(prev, event)
        events.append(event)
    AuditEvent.objects.bulk_create(events, batch_size=500)
    return events
