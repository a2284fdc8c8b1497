"""Outgoing webhooks: `emit(team, event_type, payload)` from any service, inside its transaction.

Each active webhook of the team subscribed to the event gets a `WebhookDelivery` row written in the
same transaction (an outbox: an event exists exactly when the change that caused it committed); the
deliveries are handed to Celery on commit, signed in the Standard Webhooks style, retried with
exponential backoff and jitter, and recorded attempt by attempt. See docs/api.md#webhooks.
"""

from .events import EVENT_TYPES, object_payload
from .outbox import emit

__all__ = ["EVENT_TYPES", "emit", "object_payload"]
