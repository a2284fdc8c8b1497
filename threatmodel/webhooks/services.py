"""Writes on webhooks (team owners only). Keyword-only, one transaction, audited; the secret is
returned once by create and rotate, stored encrypted, and never written to the audit trail."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..audit import audit_record, diff
from ..crypto import encrypt
from ..models import DELIVERY_OPEN, DeliveryStatus, Role, Tombstone, Webhook, WebhookDelivery
from ..services.common import bump, check_version, require_role
from . import signing, targets
from .events import ALL_EVENTS, EVENT_TYPES
from .outbox import emit, enqueue

FIELDS = ("url", "description", "events", "active")


def clean_url(url) -> str:
    try:
        targets.resolve(url)
    except targets.TargetRefused as exc:
        raise ValidationError({"url": str(exc)}) from exc
    return url.strip()


def clean_events(events) -> list[str]:
    if isinstance(events, str):
        events = [events]
    if not isinstance(events, (list, tuple)) or not events:
        raise ValidationError({"events": "Choose at least one event type."})
    bad = [e for e in events if not isinstance(e, str) or (e not in EVENT_TYPES and e != ALL_EVENTS)]
    if bad:
        raise ValidationError({"events": [f"'{e}' is not an event type (one of {', '.join(EVENT_TYPES)} or *)."
                                          for e in bad]})
    return sorted(set(events))


def clean_description(value) -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else None
    if value is None:
        raise ValidationError({"description": "This must be text."})
    if len(value) > 200:
        raise ValidationError({"description": "At most 200 characters."})
    return value


def _snapshot(webhook: Webhook) -> dict:
    return {f: getattr(webhook, f) for f in FIELDS}


def webhook_create(*, actor, team, url: str, events, description: str = "", active: bool = True
                   ) -> tuple[Webhook, str]:
    """Register an endpoint. Returns (webhook, secret): the secret is shown once."""
    require_role(actor, team, Role.OWNER)
    secret = signing.new_secret()
    webhook = Webhook(team=team, url=clean_url(url), events=clean_events(events),
                      description=clean_description(description), active=bool(active),
                      secret_encrypted=encrypt(secret), secret_prefix=secret[:10],
                      created_by=actor if getattr(actor, "pk", None) else None)
    with transaction.atomic():
        webhook.full_clean()
        webhook.save()
        audit_record(team=team, actor=actor, action="webhook.created", obj=webhook,
                     changes=diff({}, _snapshot(webhook)))
    return webhook, secret


def webhook_update(*, actor, webhook: Webhook, expected_version: int | None = None, **changes) -> Webhook:
    require_role(actor, webhook.team, Role.OWNER)
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed here."))
    with transaction.atomic():
        webhook = Webhook.objects.select_for_update().select_related("team").get(pk=webhook.pk)
        check_version(webhook, expected_version)
        before = _snapshot(webhook)
        if "url" in changes:
            webhook.url = clean_url(changes["url"])
        if "events" in changes:
            webhook.events = clean_events(changes["events"])
        if "description" in changes:
            webhook.description = clean_description(changes["description"])
        if "active" in changes:
            webhook.active = bool(changes["active"])
        webhook.full_clean()
        changed = diff(before, _snapshot(webhook))
        if not changed:
            return webhook
        bump(webhook)
        webhook.save()
        audit_record(team=webhook.team, actor=actor, action="webhook.updated", obj=webhook, changes=changed)
    return webhook


def webhook_rotate_secret(*, actor, webhook: Webhook, expected_version: int | None = None) -> tuple[Webhook, str]:
    """A new signing secret (shown once); the old one stops working at once."""
    require_role(actor, webhook.team, Role.OWNER)
    secret = signing.new_secret()
    with transaction.atomic():
        webhook = Webhook.objects.select_for_update().select_related("team").get(pk=webhook.pk)
        check_version(webhook, expected_version)
        webhook.secret_encrypted, webhook.secret_prefix = encrypt(secret), secret[:10]
        bump(webhook)
        webhook.save()
        audit_record(team=webhook.team, actor=actor, action="webhook.secret_rotated", obj=webhook,
                     changes={"secret": ["(old)", "(new)"]})
    return webhook, secret


def webhook_delete(*, actor, webhook: Webhook, expected_version: int | None = None) -> None:
    require_role(actor, webhook.team, Role.OWNER)
    with transaction.atomic():
        webhook = Webhook.objects.select_for_update().select_related("team").get(pk=webhook.pk)
        check_version(webhook, expected_version)
        audit_record(team=webhook.team, actor=actor, action="webhook.deleted", obj=webhook,
                     changes=diff(_snapshot(webhook), {}))
        Tombstone.objects.create(team=webhook.team, object_type="webhook", object_id=str(webhook.pk))
        webhook.delete()


def webhook_ping(*, actor, webhook: Webhook) -> WebhookDelivery:
    """Send a `webhook.ping` event to this webhook only (even if it does not subscribe to pings)."""
    require_role(actor, webhook.team, Role.OWNER)
    with transaction.atomic():
        probe = Webhook(pk=webhook.pk, events=[ALL_EVENTS], active=True)
        event_id = emit(webhook.team_id, "webhook.ping",
                        {"webhook": webhook.pk, "sent_at": timezone.now().isoformat()}, webhooks=[probe])
        audit_record(team=webhook.team, actor=actor, action="webhook.pinged", obj=webhook,
                     changes={"event_id": [None, event_id]})
    return WebhookDelivery.objects.get(webhook=webhook, event_id=event_id)


def delivery_retry(*, actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a failed (or waiting) delivery again now, with a fresh attempt budget."""
    webhook = delivery.webhook
    require_role(actor, webhook.team, Role.OWNER)
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        if delivery.status == DeliveryStatus.DELIVERED:
            raise ValidationError({"status": "This delivery succeeded; there is nothing to retry."})
        if delivery.status in DELIVERY_OPEN and delivery.claimed_until and delivery.claimed_until > timezone.now():
            raise ValidationError({"status": "This delivery is being attempted right now."})
        delivery.status, delivery.next_attempt_at, delivery.attempts = DeliveryStatus.PENDING, None, 0
        delivery.save(update_fields=["status", "next_attempt_at", "attempts", "updated_at"])
        audit_record(team=webhook.team, actor=actor, action="webhook.delivery_retried", obj=webhook,
                     changes={"delivery": [None, delivery.pk]})
        transaction.on_commit(lambda: enqueue([delivery.pk]))
    return delivery
