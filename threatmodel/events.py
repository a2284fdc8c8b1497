"""Explicit change hooks: other apps register what must happen after a system's model changes.

threatmodel knows nothing of the register; assessments registers its re-suggest task here
(in AppConfig.ready). Hooks run on commit, never inside the writing transaction.
"""

from collections.abc import Callable

from django.db import transaction

_system_changed: list[Callable[[int], None]] = []


def on_system_changed(fn: Callable[[int], None]) -> Callable[[int], None]:
    if fn not in _system_changed:
        _system_changed.append(fn)
    return fn


def system_changed(system_id: int) -> None:
    """Queue every registered hook for after the current transaction commits."""
    for fn in list(_system_changed):
        transaction.on_commit(lambda fn=fn: fn(system_id))
