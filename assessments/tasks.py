"""Celery tasks of the register. Each takes ids, re-fetches, and calls the code the pages call;
each is safe to run twice (acks_late: a task whose worker dies is delivered again)."""

import logging

from celery import shared_task

log = logging.getLogger(__name__)


@shared_task(name="assessments.tasks.resuggest_system", acks_late=True, ignore_result=True)
def resuggest_system_task(system_id: int) -> dict:
    """Re-run the engine for one system and bring its register in step (a no-op when nothing changed).
    A run that loses a deadlock to a concurrent write is run again (its transaction was rolled back whole)."""
    from threatmodel.deadlocks import retry_on_deadlock

    from .resuggest import resuggest_system

    return retry_on_deadlock(resuggest_system, int(system_id)).as_dict()


@shared_task(name="assessments.tasks.resuggest_all_systems", acks_late=True, ignore_result=True)
def resuggest_all_systems(release_id: int | None = None) -> int:
    """After a catalog release: one re-suggest task per system."""
    from threatmodel.models import AISystem
    from threatmodel.queue import send

    count = 0
    for system_id in AISystem.objects.order_by("id").values_list("id", flat=True).iterator(chunk_size=500):
        send("assessments.tasks.resuggest_system", system_id)
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
