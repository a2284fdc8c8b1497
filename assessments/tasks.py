"""Celery tasks of the register. Each takes ids, re-fetches, and calls the code the pages call;
each is safe to run twice (acks_late: a task whose worker dies is delivered again)."""

import logging

from celery import shared_task

log = logging.getLogger(__name__)


@shared_task(name="assessments.tasks.resuggest_system", acks_late=True, ignore_result=True)
def resuggest_system(system_id: int) -> dict:
    """Re-run the engine for one system and reconcile its register (a no-op when nothing changed).
    A run that loses a deadlock to a concurrent write is run again (its transaction was rolled back whole)."""
    from threatmodel.deadlocks import retry_on_deadlock

    from . import reconcile

    return retry_on_deadlock(reconcile.reconcile_system, int(system_id)).as_dict()


@shared_task(name="assessments.tasks.resuggest_all_systems", acks_late=True, ignore_result=True)
def resuggest_all_systems(release_id: int | None = None) -> int:
    """After a catalog release: one re-suggest task per system."""
    from threatmodel.models import AISystem

    count = 0
    for system_id in AISystem.objects.order_by("id").values_list("id", flat=True).iterator(chunk_size=500):
        resuggest_system.delay(system_id)
        count += 1
    log.info("catalog release %s: queued re-suggest for %d systems", release_id, count)
    return count


@shared_task(name="assessments.tasks.send_assignment_notice", acks_late=True, ignore_result=True)
def send_assignment_notice(object_type: str, object_id: int, user_id: int) -> bool:
    from .notifications import send_assignment_notice as send

    return send(object_type, int(object_id), int(user_id))


@shared_task(name="assessments.tasks.send_daily_digests", acks_late=True, ignore_result=True)
def send_daily_digests() -> int:
    """Celery beat, daily (settings.CELERY_BEAT_SCHEDULE). Nobody is mailed twice about an item on one day."""
    from .notifications import send_daily_digests as send

    return send()


from .connectors.tasks import pull_all  # noqa: E402, F401 - registers the connector tasks with the worker
from .interop.tasks import apply_import  # noqa: E402, F401 - registers the import apply task with the worker
from .reports.tasks import render_report  # noqa: E402, F401 - registers the report render task with the worker
