"""`emit()`: write the deliveries inside the caller's transaction, queue them on commit."""

import logging
import uuid

from django.db import transaction
from django.utils import timezone

from ..models import DeliveryStatus, Webhook, WebhookDelivery
from .events import EVENT_TYPES, _jsonable

log = logging.getLogger(__name__)


def new_event_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def emit(team, event_type: str, payload: dict, *, webhooks=None) -> str | None:
    """Record `event_type` with `payload` for every active webhook of `team` that subscribes to it.

    Call it inside the service's transaction: the deliveries are rolled back with the change, and are
    sent only after commit. Returns the event id (the `webhook-id` header), or None when no webhook
    listens. `team` is a Team or its id; `webhooks` narrows the targets (used by ping).
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r} (see threatmodel.webhooks.EVENT_TYPES)")
    team_id = getattr(team, "pk", team)
    if webhooks is None:
        webhooks = Webhook.objects.filter(team_id=team_id, active=True).only("id", "events", "active")
    targets = [w for w in webhooks if w.subscribes_to(event_type)]
    if not targets:
        return None
    event_id = new_event_id()
    body = {"type": event_type, "timestamp": timezone.now(), "data": payload}
    deliveries = WebhookDelivery.objects.bulk_create([
        WebhookDelivery(webhook_id=w.pk, event_id=event_id, event_type=event_type, payload=_jsonable(body),
                        status=DeliveryStatus.PENDING) for w in targets])
    ids = [d.pk for d in deliveries]
    transaction.on_commit(lambda: enqueue(ids))
    return event_id


def enqueue(delivery_ids) -> None:
    """Hand deliveries to Celery. A broker outage loses nothing: the sweeper (`deliver_due`) finds them."""
    from ..queue import send

    for pk in delivery_ids:
        try:
            send("threatmodel.webhooks.deliver", pk, keep=False)
        except Exception:  # broker down, or (eager mode) an unexpected error: the sweeper retries
            log.exception("could not queue webhook delivery %s", pk)
