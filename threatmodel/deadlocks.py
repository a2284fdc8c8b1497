"""Running a whole transaction again when PostgreSQL picked it as a deadlock victim.

Writers take their locks in one order (threatmodel.services.common.lock_system), but background work
that touches many rows can still lose a deadlock to a request. The victim's transaction was rolled
back whole, so running it again from the start is safe. Only deadlocks and serialization failures
(SQLSTATE 40P01, 40001) are retried; any other error is raised at once.
"""

import logging
import random
import time

from django.db import OperationalError, transaction

log = logging.getLogger(__name__)

RETRYABLE = {"40P01", "40001"}  # deadlock_detected, serialization_failure


def is_deadlock(exc: BaseException) -> bool:
    cause = exc
    while cause is not None:
        if getattr(cause, "sqlstate", None) in RETRYABLE:
            return True
        cause = cause.__cause__
    return False


def retry_on_deadlock(fn, *args, attempts: int = 4, pause: float = 0.05, **kwargs):
    """`fn(*args, **kwargs)`, run again (up to `attempts` times) when it lost a deadlock.

    Only a whole transaction can be run again: inside an outer transaction `fn` runs once."""
    if transaction.get_connection().in_atomic_block:
        return fn(*args, **kwargs)
    for attempt in range(1, attempts + 1):
        try:
            return fn(*args, **kwargs)
        except OperationalError as exc:
            if attempt == attempts or not is_deadlock(exc):
                raise
            log.warning("%s lost a deadlock (attempt %d of %d); running it again", fn.__name__, attempt, attempts)
            time.sleep(pause * attempt * (1 + random.random()))  # noqa: S311 - jitter, not security
    raise AssertionError("unreachable")
