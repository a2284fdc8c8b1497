"""The tamper-evident audit trail: one event per service call, hash-chained per team.

hash(n) = SHA-256(prev_hash(n) || canonical_json(event n)), prev_hash(1) = 64 zeros.
The canonical content holds everything that identifies the event: team, sequence, actor, action,
object, changes and time. The actor is hashed as its pseudonymous label (`user-<id>`), never a
name, so erasing a user keeps the chain valid. The `actor` foreign key is a join helper derived
from that label; the verifier checks that the two agree (the key may only be empty when the user
row is gone, which is what SET_NULL does), so pointing an event at another user is detected.
"""

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from .models import AuditEvent, Team

GENESIS = "0" * 64


def actor_label(user) -> str:
    if user is None or not getattr(user, "pk", None):
        return "system"
    return f"user-{user.pk}"


def to_jsonable(value: Any) -> Any:
    """Round-trip through JSON so what is stored is exactly what is hashed."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields whose value changed."""
    before, after = to_jsonable(before), to_jsonable(after)
    keys = sorted(set(before) | set(after))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def canonical(event: AuditEvent) -> bytes:
    content = {
        "team": event.team_id,
        "seq": event.seq,
        "actor": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": str(event.object_id),
        "object_repr": event.object_repr,
        "changes": event.changes,
        "at": event.at.isoformat(),
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical(event)).hexdigest()


@dataclass
class AuditEntry:
    """One event to append: what happened to which object."""

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
    """Append `entries` to the team's chain, in order, with one insert. Call inside the service's transaction.

    The team row is locked once (PostgreSQL; SQLite writers are serial), so a re-suggest that writes two
    thousand events costs a few statements, not six thousand.
    """
    if not entries:
        return []
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit events must be appended inside the service's transaction")
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


def audit_record(*, team: Team, actor, action: str, obj=None, object_type: str = "", object_id="",
                 object_repr: str = "", changes: dict | None = None) -> AuditEvent:
    """Append one event to the team's chain. Call inside the service's transaction."""
    if obj is not None:
        entry = AuditEntry.for_object(obj, action, changes)
        entry.object_type = object_type or entry.object_type
        entry.object_id = str(object_id or entry.object_id)
        entry.object_repr = (object_repr or entry.object_repr)[:300]
    else:
        entry = AuditEntry(action=action, object_type=object_type, object_id=str(object_id),
                           object_repr=object_repr[:300], changes=changes or {})
    return audit_record_many(team=team, actor=actor, entries=[entry])[0]


@dataclass
class ChainReport:
    team: Team
    count: int
    head: str
    broken_at: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def _actor_mismatch(event: AuditEvent, existing_users: set[int]) -> bool:
    """True when the actor key and the hashed label disagree (the key was edited)."""
    if event.actor_id is not None:
        return event.actor_label != f"user-{event.actor_id}"
    if event.actor_label == "system":
        return False
    prefix, _, pk = event.actor_label.partition("-")
    # A user-<id> label with no key is legitimate only once that user row was deleted (SET_NULL).
    return prefix != "user" or not pk.isdigit() or int(pk) in existing_users


def audit_verify(*, team: Team) -> ChainReport:
    """Walk the chain; report the first edited, inserted or deleted event, or an event whose actor was changed."""
    from django.contrib.auth import get_user_model

    labelled = {int(pk) for pk in AuditEvent.objects.filter(team=team, actor__isnull=True).exclude(
        actor_label="system").values_list("actor_label", flat=True).distinct()
        for pk in [pk.partition("-")[2]] if pk.isdigit()}
    existing_users = set(get_user_model().objects.filter(pk__in=labelled).values_list("pk", flat=True))
    prev, expected_seq, count = GENESIS, 1, 0
    for event in AuditEvent.objects.filter(team=team).order_by("seq").iterator(chunk_size=2000):
        count += 1
        if event.seq != expected_seq:
            problem = f"sequence gap: expected #{expected_seq}, found #{event.seq}"
            return ChainReport(team, count, prev, event.seq, problem)
        if event.prev_hash != prev:
            return ChainReport(team, count, prev, event.seq, f"event #{event.seq} does not link to its predecessor")
        if chain_hash(prev, event) != event.hash:
            return ChainReport(team, count, prev, event.seq, f"event #{event.seq} was altered (hash mismatch)")
        if _actor_mismatch(event, existing_users):
            return ChainReport(team, count, prev, event.seq,
                               f"event #{event.seq} was altered (its actor does not match the hashed actor label)")
        prev, expected_seq = event.hash, expected_seq + 1
    return ChainReport(team, count, prev)
