"""Live updates: a cheap "change stamp" of a system, served as an ETag.

Every participant's page polls `workshop_live` about every 2 s with `If-None-Match: <etag>`. The stamp
is read in ONE query (a UNION ALL of small aggregates, each on an indexed `system_id`; the first
branch also checks that the user is a member of the system's team). Unchanged: 304, nothing rendered. Changed:
the ETag names which part changed (the model, the register, the participants), and only the
regions of those parts are rendered and swapped out of band.

Nothing is kept in process memory, so any number of web processes can serve the same system.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connections, router
from django.db.models import CharField, Count, F, Max, Sum, TextField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from threatmodel.models import AISystem, Component, DataFlow

from ..models import Mitigation, Presence, Risk

PARTS = ("model", "register", "presence")
PRESENCE_WINDOW = timedelta(seconds=30)  # a participant without a heartbeat for this long has left
POLL_SECONDS = 2
HEARTBEAT_SECONDS = 10


@dataclass(frozen=True)
class Stamp:
    role: str
    model: str
    register: str
    presence: str

    @property
    def etag(self) -> str:
        return f'"m{self.model}.r{self.register}.p{self.presence}"'

    def changed_parts(self, if_none_match: str | None) -> set[str]:
        """The parts that differ from the client's ETag (all of them for an unknown or missing tag)."""
        old = parse_etag(if_none_match)
        if old is None:
            return set(PARTS)
        return {p for p in PARTS if old.get(p) != getattr(self, p)}


def parse_etag(value: str | None) -> dict[str, str] | None:
    if not value:
        return None
    value = value.strip()
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"')
    out = {}
    for chunk in value.split("."):
        if not chunk:
            return None
        key = {"m": "model", "r": "register", "p": "presence"}.get(chunk[0])
        if key is None:
            return None
        out[key] = chunk[1:]
    return out if set(out) == set(PARTS) else None


def _digest(*rows) -> str:
    return hashlib.blake2b(repr(rows).encode(), digest_size=6).hexdigest()


TEXT = TextField()


def _tag(tag: str) -> Value:
    return Value(tag, output_field=CharField())


def _aggregate(qs, tag: str):
    """One row: how many rows, the newest change and the sum of versions (a delete, an insert and
    every versioned update each move one of them)."""
    return qs.order_by().values(t=_tag(tag)).annotate(
        a=Cast(Count("id"), TEXT), b=Cast(Max("updated_at"), TEXT), c=Cast(Sum("version"), TEXT)
    ).values("t", "a", "b", "c")


def stamp_query(system_id: int, user_id: int, cutoff):
    """The UNION ALL behind a stamp (one round trip); the first row also proves membership."""
    system = AISystem.objects.order_by().filter(pk=system_id, team__memberships__user_id=user_id).values(
        t=_tag("sys"), a=F("team__memberships__role"),
        b=Concat(Cast("version", TEXT), Value(":"), Cast("updated_at", TEXT), output_field=TEXT),
        c=Cast("team__version", TEXT))
    links = Mitigation.risks.through.objects.filter(mitigation__system_id=system_id).order_by().values(
        t=_tag("lnk")).annotate(a=Cast(Count("id"), TEXT), b=Cast(Sum("risk_id"), TEXT),
                                c=Cast(Sum("mitigation_id"), TEXT)).values("t", "a", "b", "c")
    present = Presence.objects.filter(system_id=system_id, last_seen__gte=cutoff).order_by().values(
        t=_tag("prs")).annotate(a=Cast(Count("id"), TEXT), b=Cast(Max("joined_at"), TEXT),
                                c=Cast(Sum("user_id"), TEXT)).values("t", "a", "b", "c")
    return system.union(
        _aggregate(Component.objects.filter(system_id=system_id), "cmp"),
        _aggregate(DataFlow.objects.filter(system_id=system_id), "flw"),
        _aggregate(Risk.objects.filter(system_id=system_id), "rsk"),
        _aggregate(Mitigation.objects.filter(system_id=system_id), "mit"),
        links, present, all=True)


# The poll runs this query every 2 s for every participant: compile it once per database (the ORM
# spends more time building a seven-branch UNION than the database spends answering it), then only
# bind the values. Sentinels mark which parameter is which.
_SYSTEM, _USER = -7_770_001, -7_770_002
_CUTOFF = datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC)
_compiled: dict[str, tuple[str, tuple]] = {}


def _prep_cutoff(value, conn):
    return Presence._meta.get_field("last_seen").get_db_prep_value(value, conn)


def _compiled_stamp(conn) -> tuple[str, tuple]:
    key = f"{conn.alias}:{conn.vendor}"
    found = _compiled.get(key)
    if found is None:
        sql, params = stamp_query(_SYSTEM, _USER, _CUTOFF).query.get_compiler(connection=conn).as_sql()
        cutoff = _prep_cutoff(_CUTOFF, conn)
        slots = tuple("system" if p == _SYSTEM else "user" if p == _USER else "cutoff" if p == cutoff
                      else ("const", p) for p in params)
        found = _compiled[key] = (sql, slots)
    return found


def _stamp_rows(system_id: int, user_id: int, cutoff) -> dict:
    conn = connections[router.db_for_read(AISystem)]
    sql, slots = _compiled_stamp(conn)
    values = {"system": system_id, "user": user_id, "cutoff": _prep_cutoff(cutoff, conn)}
    params = [values[s] if isinstance(s, str) else s[1] for s in slots]
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: tuple(row[1:]) for row in cursor.fetchall()}


def change_stamp(system_id: int, user) -> Stamp | None:
    """The system's stamp, in one query; None when the system does not exist or the user is not a
    member of its team (the caller answers 404 either way)."""
    if user is None or not user.is_authenticated:
        return None
    rows = _stamp_rows(int(system_id), user.pk, timezone.now() - PRESENCE_WINDOW)
    sys_row = rows.get("sys")
    if sys_row is None:
        return None
    role = sys_row[0]
    return Stamp(
        role=role,
        model=_digest(role, sys_row[1], rows.get("cmp"), rows.get("flw")),
        register=_digest(role, sys_row[2], rows.get("rsk"), rows.get("mit"), rows.get("lnk")),
        presence=_digest(rows.get("prs")),
    )
