"""Celery tasks of the connectors: the periodic pull (beat), one connector's sync, a ticket comment, the
owners' notice. Each takes ids and re-fetches; each is safe to run twice.

Retries: an unreachable tracker (network trouble, 5xx) is retried with exponential backoff and jitter
(BACKOFF_BASE * 2^n, at most BACKOFF_CAP); a rate limit waits the time the tracker gave (`Retry-After`,
GitHub's `X-RateLimit-Reset`), recorded on the connector so the periodic pull skips it until then.
"""

import logging
import random

from celery import shared_task
from django.utils import timezone

from threatmodel.queue import send

from . import http

log = logging.getLogger(__name__)
BACKOFF_BASE = 30
BACKOFF_CAP = 3600
MAX_RETRIES = 6


def backoff(retries: int) -> float:
    delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** retries)
    return delay / 2 + random.uniform(0, delay / 2)  # noqa: S311 - jitter, not a secret


def _retry(task, exc, countdown: float):
    if task.request.is_eager or task.request.retries >= MAX_RETRIES:
        log.warning("%s gives up after %s retries: %s", task.name, task.request.retries, exc)
        return None
    raise task.retry(exc=exc, countdown=countdown)


@shared_task(name="assessments.connectors.pull_all", acks_late=True, ignore_result=True)
def pull_all() -> int:
    """Celery beat: queue a sync of every active connector that is not waiting out a rate limit."""
    from django.db.models import Q

    from ..models import Connector

    now = timezone.now()
    ids = list(Connector.objects.filter(active=True).filter(
        Q(rate_limited_until__isnull=True) | Q(rate_limited_until__lte=now)).values_list("pk", flat=True))
    for connector_id in ids:
        send("assessments.connectors.sync", connector_id)
    return len(ids)


@shared_task(bind=True, name="assessments.connectors.sync", acks_late=True, ignore_result=True,
             max_retries=MAX_RETRIES)
def sync_connector(self, connector_id: int) -> dict | None:
    from .tickets import connector_sync

    try:
        result = connector_sync(connector_id=int(connector_id))
    except http.AuthFailed:
        return None  # recorded on the connector (and the owners told once); retrying will not help
    except http.RemoteError as exc:
        return _retry(self, exc, backoff(self.request.retries))
    return result.as_dict()


@shared_task(bind=True, name="assessments.connectors.comment", acks_late=True, ignore_result=True,
             max_retries=MAX_RETRIES)
def post_ticket_comment(self, ref_id: int, text: str) -> bool:
    from ..models import ExternalRef
    from .clients import client_for
    from .services import connector_record_failure, connector_token

    ref = ExternalRef.objects.select_related("connector").filter(pk=ref_id, missing_at__isnull=True).first()
    if ref is None or ref.connector is None or not ref.connector.active:
        return False
    try:
        client_for(ref.connector, connector_token(ref.connector)).comment(ref.key, text)
    except http.TicketGone:
        from .tickets import ticket_mark_missing

        ticket_mark_missing(ref_id=ref.pk)
        return False
    except http.RateLimited as exc:
        connector_record_failure(connector_id=ref.connector_id, error=exc)
        return _retry(self, exc, exc.wait_seconds) or False
    except http.AuthFailed as exc:
        connector_record_failure(connector_id=ref.connector_id, error=exc)
        return False
    except http.RemoteError as exc:
        return _retry(self, exc, backoff(self.request.retries)) or False
    return True


@shared_task(name="assessments.connectors.notify_failing", acks_late=True, ignore_result=True)
def notify_connector_failing(connector_id: int) -> int:
    from .notices import send_failing_notice

    return send_failing_notice(int(connector_id))
