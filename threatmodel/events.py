"""Explicit change hooks: other apps register what must happen after a system's model changes.

threatmodel knows nothing of the register; assessments registers its re-suggest task here
(in AppConfig.ready). Hooks run on commit, never inside the writing transaction.
"""

from collections.abc import Callable, Iterable

from django.db import transaction

_system_changed: list[Callable[[int], None]] = []
_deleted_with_system: list[Callable[[object], Iterable[tuple[str, object]]]] = []


def on_system_changed(fn: Callable[[int], None]) -> Callable[[int], None]:
    if fn not in _system_changed:
        _system_changed.append(fn)
    return fn


def system_changed(system_id: int) -> None:
    """Queue every registered hook for after the current transaction commits."""
    for fn in list(_system_changed):
        transaction.on_commit(lambda fn=fn: fn(system_id))


def on_system_deleting(fn: Callable[[object], Iterable[tuple[str, object]]]):
    """Register `fn(system) -> [(object_type, id), ...]`: rows of another app that deleting the system
    removes with it (by cascade), so the system's deletion can leave a tombstone for each (delta sync)."""
    if fn not in _deleted_with_system:
        _deleted_with_system.append(fn)
    return fn


def deleted_with_system(system) -> list[tuple[str, str]]:
    """Called inside the deleting transaction, before the delete."""
    out = []
    for fn in list(_deleted_with_system):
        out += [(object_type, str(pk)) for object_type, pk in fn(system)]
    return out
