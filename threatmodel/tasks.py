import socket

from celery import shared_task
from django.db.models import F
from django.utils import timezone

from .models import WorkerHeartbeat


@shared_task(name="threatmodel.worker_heartbeat")
def worker_heartbeat(name: str = "") -> int:
    """Record that a worker is alive. Idempotent: an upsert, safe to run twice."""
    name = name or socket.gethostname()
    now = timezone.now()
    beat, created = WorkerHeartbeat.objects.get_or_create(name=name, defaults={"seen_at": now, "runs": 1})
    if not created:
        WorkerHeartbeat.objects.filter(pk=beat.pk).update(seen_at=now, runs=F("runs") + 1)
    return beat.pk



@shared_task(name="threatmodel.flush_pending_tasks")
def flush_pending_tasks() -> int:
    """Beat: hand tasks recorded during a broker outage to the broker."""
    from .queue import flush_pending

    return flush_pending()
