"""Sending one delivery: claim it, POST the signed body to a checked address, record the attempt.

- never follows redirects (http.client does not; a 3xx is a failure naming the Location);
- always with timeouts (connect and each read: WEBHOOK_TIMEOUT_SECONDS; the whole response too);
- retried with exponential backoff and jitter on timeouts, connection errors, 429 and 5xx (a
  Retry-After is honoured up to the cap); any other answer is final;
- safe to run twice: an attempt first claims the row with a conditional UPDATE, so two workers
  (or a task delivered twice) never send the same attempt twice.
"""

import http.client
import json
import logging
import random
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from ..crypto import DecryptionError, decrypt
from ..models import DELIVERY_OPEN, DeliveryStatus, WebhookDelivery
from . import outbound, signing, targets

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 15
BACKOFF_FACTOR = 4
BACKOFF_CAP_SECONDS = 6 * 3600
MAX_RESPONSE_BYTES = 64 * 1024
LOG_ENTRIES = 20
USER_AGENT = "AIThreatRegister-Webhooks/1.0"
RETRYABLE_STATUS = frozenset({408, 425, 429}) | frozenset(range(500, 600))


@dataclass
class Outcome:
    response_code: int | None = None
    error: str = ""
    retryable: bool = False
    retry_after: float | None = None
    ms: int = 0

    @property
    def ok(self) -> bool:
        return self.response_code is not None and 200 <= self.response_code < 300


def timeout_seconds() -> float:
    return float(getattr(settings, "WEBHOOK_TIMEOUT_SECONDS", 5.0) or 5.0)


def backoff_seconds(attempts: int, retry_after: float | None = None, rng=random) -> float:
    """Delay before attempt `attempts + 1`: BASE * FACTOR^(attempts-1), capped, with equal jitter."""
    delay = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * BACKOFF_FACTOR ** max(0, attempts - 1))
    delay = delay / 2 + rng.uniform(0, delay / 2)
    if retry_after is not None:
        delay = max(delay, min(float(retry_after), BACKOFF_CAP_SECONDS))
    return delay


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, (when - timezone.now()).total_seconds()) if when.tzinfo else None


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float | None = None) -> Outcome:
    """One HTTP POST to a guarded target (outbound.exchange). Never raises for network trouble: it is an Outcome."""
    timeout = timeout_seconds() if timeout is None else timeout
    started = time.monotonic()
    try:
        answer = outbound.exchange("POST", url, body=body, timeout=timeout, max_bytes=MAX_RESPONSE_BYTES, headers={
            "Content-Type": "application/json", "User-Agent": USER_AGENT, **headers})
    except targets.TargetRefused as exc:
        return Outcome(error=f"refused: {exc}", retryable=False)
    except TimeoutError:
        return Outcome(error=f"timed out after {timeout:g} s", retryable=True,
                       ms=int((time.monotonic() - started) * 1000))
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(error=f"{type(exc).__name__}: {exc}"[:300], retryable=True,
                       ms=int((time.monotonic() - started) * 1000))
    code = answer.status
    outcome = Outcome(response_code=code, ms=answer.ms)
    if 300 <= code < 400:
        outcome.error = f"redirect not followed (Location: {answer.headers.get('location', '')[:200]})"
    elif code in RETRYABLE_STATUS:
        outcome.retryable = True
        outcome.error = f"HTTP {code}"
        outcome.retry_after = _retry_after(answer.headers.get("retry-after"))
    elif not outcome.ok:
        outcome.error = f"HTTP {code}"
    return outcome


def body_bytes(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()


def claim(delivery_id: int, *, now=None, force: bool = False) -> bool:
    """Take the delivery for one attempt (a conditional UPDATE: only one claimant wins)."""
    now = now or timezone.now()
    qs = WebhookDelivery.objects.filter(pk=delivery_id, status__in=DELIVERY_OPEN).filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
    if not force:
        qs = qs.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    until = now + timedelta(seconds=timeout_seconds() * 2 + 30)
    return qs.update(claimed_until=until) == 1


def attempt(delivery_id: int, *, now=None, force: bool = False) -> WebhookDelivery | None:
    """Make one attempt if the delivery is due and not taken; returns the recorded delivery, or None."""
    if not claim(delivery_id, now=now, force=force):
        return None
    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)
    webhook = delivery.webhook
    if not webhook.active:
        outcome = Outcome(error="the webhook is inactive")
    else:
        try:
            secret = decrypt(webhook.secret_encrypted)
        except DecryptionError:
            outcome = Outcome(error="the signing secret cannot be decrypted (FIELD_ENCRYPTION_KEY changed?)")
        else:
            body = body_bytes(delivery)
            outcome = post(webhook.url, body, signing.headers_for(secret, delivery.event_id, body))
    return record(delivery, outcome)


def record(delivery: WebhookDelivery, outcome: Outcome) -> WebhookDelivery:
    now = timezone.now()
    delivery.attempts += 1
    delivery.response_code = outcome.response_code
    delivery.last_error = outcome.error[:500]
    delivery.log = ([*(delivery.log or []), {"at": now.isoformat(), "response_code": outcome.response_code,
                                              "error": outcome.error[:300], "ms": outcome.ms}])[-LOG_ENTRIES:]
    delivery.claimed_until = None
    if outcome.ok:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = DeliveryStatus.DELIVERED, now, None
    elif outcome.retryable and delivery.attempts < MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.RETRYING
        delivery.next_attempt_at = now + timedelta(seconds=backoff_seconds(delivery.attempts, outcome.retry_after))
    else:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
    delivery.save(update_fields=["attempts", "response_code", "last_error", "log", "claimed_until", "status",
                                 "delivered_at", "next_attempt_at", "updated_at"])
    log.info("webhook delivery %s attempt %s: %s", delivery.pk, delivery.attempts, delivery.status)
    return delivery


def due(now=None, limit: int = 500) -> list[int]:
    """Open deliveries whose time has come and that nobody holds (for the sweeper)."""
    now = now or timezone.now()
    return list(WebhookDelivery.objects.filter(status__in=DELIVERY_OPEN).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)).filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)).order_by("created_at", "id")
        .values_list("pk", flat=True)[:limit])
