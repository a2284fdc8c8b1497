"""Handing tasks to Celery without ever dropping one: the one way work goes to a worker.

Tasks are named, never imported: `enqueue("assessments.tasks.resuggest_system", system_id)` queues the
task after the current transaction commits, `send(name, *args)` publishes now. The Celery app's own
discovery (config/celery.py, `autodiscover_tasks`) registers the task modules, so no module imports
another's tasks to reach them.

If the broker cannot be reached, the task is recorded as a PendingTask row instead (the write that
caused it is already committed, so the work must not be lost), and `flush_pending()` hands it over when
the broker is back: from a Celery beat schedule, opportunistically after the next successful publish, or
by `manage.py flush_pending_tasks`. Tasks are written to be safe to run twice, so a flush that races
with a retry costs nothing but a repeat. Work that has a durable record of its own (a webhook delivery
row, which the sweeper finds again; a report, which fails with a readable message) is sent with
`keep=False`: the broker's error reaches the caller instead.
"""

import logging
import time

from django.db import transaction
from kombu.exceptions import KombuError, OperationalError

from .models import PendingTask

log = logging.getLogger(__name__)

BROKER_ERRORS = (OperationalError, KombuError, OSError, ConnectionError, TimeoutError)
# After a failed publish, skip further attempts for this long (a connection attempt to a down broker
# costs ~2 s with the client's retries; requests must stay fast during an outage). A per-process hint
# only: the durable state is the PendingTask table.
BACKOFF_SECONDS = 15.0
_down_until = 0.0


def broker_marked_down() -> bool:
    return time.monotonic() < _down_until


def _mark_down() -> None:
    global _down_until
    _down_until = time.monotonic() + BACKOFF_SECONDS


def reset_backoff() -> None:
    global _down_until
    _down_until = 0.0


def task_named(name: str):
    """The registered task `name`; the app's discovery imports the task modules on first use."""
    from celery import current_app as app

    if name not in app.tasks:
        app.loader.import_default_modules()
    try:
        return app.tasks[name]
    except KeyError:
        raise LookupError(f"no Celery task is registered as {name!r}") from None


def _publish(task, args, kwargs, queue: str = "", eta=None) -> None:
    options = {"retry": False}
    if queue:
        options["queue"] = queue
    if eta is not None:
        options["eta"] = eta
    task.apply_async(args=list(args), kwargs=dict(kwargs), **options)


def send(task_name: str, *args, keep: bool = True, eta=None, **kwargs) -> bool:
    """Publish `task_name(*args, **kwargs)` now (at `eta` if given). On a broker outage: with `keep`, record
    a PendingTask and return False; without, raise the broker's error. True when the broker took it."""
    task = task_named(task_name)
    if task.app.conf.task_always_eager:
        task.apply_async(args=list(args), kwargs=dict(kwargs))
        return True
    try:
        if broker_marked_down():
            raise OperationalError("broker marked down after a recent failure")
        _publish(task, args, kwargs, eta=eta)
    except BROKER_ERRORS as exc:
        if not broker_marked_down():
            _mark_down()
        if not keep:
            raise
        PendingTask.objects.create(task_name=task.name, args=list(args), kwargs=dict(kwargs), error=str(exc)[:2000])
        log.warning("broker unavailable, %s%s kept as a pending task: %s", task.name, args, exc)
        return False
    if PendingTask.objects.exists():
        flush_pending()
    return True


def enqueue(task_name: str, *args, **kwargs) -> None:
    """Queue `task_name(*args, **kwargs)` once the current transaction commits."""
    transaction.on_commit(lambda: send(task_name, *args, **kwargs))


def flush_pending(limit: int = 500) -> int:
    """Hand recorded tasks to the broker, oldest first; stops at the first failure. Returns how many went."""
    from celery import current_app as app

    reset_backoff()  # an explicit flush always tries the broker
    sent = 0
    for pending in PendingTask.objects.order_by("created_at", "id")[:limit]:
        try:
            task = task_named(pending.task_name)
        except LookupError:
            task = None
        if task is None:
            log.error("pending task %s is unknown to this version; left in place", pending.task_name)
            continue
        try:
            if app.conf.task_always_eager:
                task.apply_async(args=pending.args, kwargs=pending.kwargs)
            else:
                _publish(task, pending.args, pending.kwargs, pending.queue)
        except BROKER_ERRORS as exc:
            PendingTask.objects.filter(pk=pending.pk).update(attempts=pending.attempts + 1, error=str(exc)[:2000])
            _mark_down()
            break
        PendingTask.objects.filter(pk=pending.pk).delete()
        sent += 1
    return sent
