"""Presence: who has a system's workshop page open now.

A heartbeat (every HEARTBEAT_SECONDS, and once on load) upserts one row per (system, user); leaving
the page deletes it. A row older than PRESENCE_WINDOW no longer counts, so a closed laptop drops off
by itself. Rows live in the database, shared by every web process. Presence is ephemeral: it is not
a change to the threat model, so it records no audit event.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import Presence
from .live import PRESENCE_WINDOW

FORGET_AFTER = PRESENCE_WINDOW * 120  # rows this old are deleted when someone else joins


def presence_touch(*, system, user) -> None:
    """Record that `user` has the page open now (one UPDATE, an INSERT the first time)."""
    now = timezone.now()
    if Presence.objects.filter(system=system, user=user).update(last_seen=now):
        return
    try:
        with transaction.atomic():
            Presence.objects.filter(system=system, last_seen__lt=now - FORGET_AFTER).delete()
            Presence.objects.create(system=system, user=user, joined_at=now, last_seen=now)
    except IntegrityError:  # a second tab of the same user won the race: it is the same presence
        Presence.objects.filter(system=system, user=user).update(last_seen=now)


def presence_leave(*, system, user) -> None:
    Presence.objects.filter(system=system, user=user).delete()


def participants(system, me=None) -> list[dict]:
    """Who is on the page now, in order of arrival: [{"user", "name", "initials", "me"}]."""
    cutoff = timezone.now() - PRESENCE_WINDOW
    rows = (Presence.objects.filter(system=system, last_seen__gte=cutoff)
            .select_related("user").order_by("joined_at", "id"))
    out = [_person(row.user, me) for row in rows]
    if me is not None and not any(p["me"] for p in out):
        out.insert(0, _person(me, me))  # the page being rendered is for me: I am on it, heartbeat or not
    return out


def _person(user, me) -> dict:
    name = user.get_full_name() or user.get_username()
    return {"user": user, "name": name, "initials": initials(name), "me": me is not None and user.pk == me.pk}


def initials(name: str) -> str:
    parts = [p for p in name.replace(".", " ").replace("_", " ").split() if p]
    if not parts:
        return "?"
    if len(parts) == 1:
        return parts[0][:2].upper()
    return (parts[0][0] + parts[-1][0]).upper()
