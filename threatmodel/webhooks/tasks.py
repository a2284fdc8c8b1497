"""Celery tasks of the webhooks: each takes an id, re-fetches, and is safe to run twice."""

from celery import shared_task
from django.utils import timezone

from ..queue import send
from . import delivery as sending


@shared_task(name="threatmodel.webhooks.deliver", acks_late=True, ignore_result=True)
def deliver_webhook(delivery_id: int) -> str:
    """One attempt; on a retryable failure the next attempt is scheduled with backoff.

    In eager mode (no broker) retries are not scheduled in-process: `deliver_due` (Celery beat, or
    `manage.py deliver_webhooks`) picks them up when they are due.
    """
    from celery import current_app as app

    result = sending.attempt(int(delivery_id))
    if result is None:
        return "skipped"
    if result.status == "retrying" and not app.conf.task_always_eager:
        send(deliver_webhook.name, result.pk, keep=False, eta=result.next_attempt_at)
    return result.status


@shared_task(name="threatmodel.webhooks.deliver_due", acks_late=True, ignore_result=True)
def deliver_due() -> int:
    """The sweeper (Celery beat, every minute): queue every open delivery that is due and unclaimed,
    e.g. those whose task was lost with a broker outage or scheduled before a restart."""
    ids = sending.due(timezone.now())
    for pk in ids:
        send(deliver_webhook.name, pk, keep=False)
    return len(ids)
