from django.conf import settings
from django.db import models

from .base import Versioned
from .teams import Team


class Webhook(Versioned):
    """A team's endpoint for event notifications (see threatmodel.webhooks).

    `secret_encrypted` holds the signing secret encrypted with threatmodel.crypto; the plain secret
    is shown once, at creation, and never returned again.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list)
    secret_encrypted = models.TextField()
    secret_prefix = models.CharField(max_length=16, blank=True)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["team", "id"]
        indexes = [models.Index(fields=["updated_at", "id"])]

    def __str__(self) -> str:
        return self.url

    def subscribes_to(self, event_type: str) -> bool:
        return self.active and (event_type in (self.events or []) or "*" in (self.events or []))


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RETRYING = "retrying", "Retrying"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


DELIVERY_OPEN = frozenset({DeliveryStatus.PENDING, DeliveryStatus.RETRYING})


class WebhookDelivery(models.Model):
    """One event sent (or to be sent) to one webhook: written in the transaction that emitted it
    (an outbox), delivered after commit by a Celery task, every attempt recorded in `log`."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.CharField(max_length=40)  # the `webhook-id` header: the same on every attempt
    event_type = models.CharField(max_length=60)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    log = models.JSONField(default=list, blank=True)  # one entry per attempt: at, response_code, error, ms
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [models.UniqueConstraint(fields=["webhook", "event_id"], name="uniq_delivery_per_event")]
        indexes = [models.Index(fields=["status", "next_attempt_at"]), models.Index(fields=["updated_at", "id"])]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} -> webhook {self.webhook_id} ({self.status})"
