"""Explicit hooks for "a new catalog release changed the threats".

catalog knows nothing of the register; assessments registers its re-suggest-all task here
(in AppConfig.ready). Hooks receive the CatalogRelease id and run on commit, never inside the
loading transaction, and only after a release that added, changed or retired threats.
"""

from collections.abc import Callable

from django.db import transaction

_released: list[Callable[[int], None]] = []


def on_catalog_released(fn: Callable[[int], None]) -> Callable[[int], None]:
    """Register `fn(release_id)`; usable as a decorator. Registering twice is a no-op."""
    if fn not in _released:
        _released.append(fn)
    return fn


def catalog_released(release_id: int) -> None:
    """Queue every registered hook for after the current transaction commits."""
    for fn in list(_released):
        transaction.on_commit(lambda fn=fn: fn(release_id))
