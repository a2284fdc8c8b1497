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
    """Queue every registered hook for after the current transaction commits, once per system.

    A transaction that changes a system many times (an import writes hundreds of components and flows)
    queues each hook once: a hook still pending for this system in this transaction is not queued again.
    One dropped by a savepoint rollback is no longer pending, so the next change queues it anew.
    """
    connection = transaction.get_connection()
    queued = connection.__dict__.setdefault("_system_changed_queued", {})
    pending = {id(func) for _sids, func, _robust in connection.run_on_commit}
    for fn in list(_system_changed):
        key = (fn, system_id)
        if key in queued and id(queued[key]) in pending:
            continue

        def run(fn=fn, key=key):
            queued.pop(key, None)
            fn(system_id)

        queued[key] = run
        transaction.on_commit(run)


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
