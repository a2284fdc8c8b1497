"""Keeping renders alive and rescuing the ones whose worker died.

While a render runs, a heartbeat thread stamps `heartbeat_at` every REPORT_HEARTBEAT_SECONDS, whatever
stage the render is in. A render silent for two intervals is dead (its whole worker was killed, not only
a pool process, so nothing will redeliver the task before the broker's visibility timeout). The reaper,
run by Celery beat every interval, puts such a report back in the queue with one conditional UPDATE on
its claim: two reapers (or two beats) cannot both re-queue it, and the dead run, should it wake, finds
its claim gone and discards its work. After MAX_ATTEMPTS the report fails with a readable message.
"""

import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from threatmodel.audit import audit_record

from ..models.reports import Report, ReportStatus
from .services import HEARTBEAT_TIMEOUT, MAX_ATTEMPTS, _mark_failed, queue_render

log = logging.getLogger(__name__)


def report_reap_stalled() -> list[int]:
    """Re-queue (once) every rendering report whose heartbeat stopped; returns the re-queued ids."""
    now = timezone.now()
    requeued = []
    stale = Report.objects.filter(status=ReportStatus.RENDERING, heartbeat_at__lt=now - HEARTBEAT_TIMEOUT)
    for row in stale.values("pk", "claim", "attempts"):
        if row["attempts"] >= MAX_ATTEMPTS:
            _mark_failed(row["pk"], row["claim"], f"The renderer stopped responding {MAX_ATTEMPTS} times; giving up.")
            continue
        with transaction.atomic():
            taken = Report.objects.filter(
                pk=row["pk"], claim=row["claim"], status=ReportStatus.RENDERING,
                heartbeat_at__lt=now - HEARTBEAT_TIMEOUT,
            ).update(status=ReportStatus.QUEUED, claim="", progress=0, updated_at=now, version=F("version") + 1,
                     stage="Waiting for a worker (the previous one stopped responding)")
            if not taken:
                continue  # another reaper got there first, or the render woke up
            report = Report.objects.select_related("system__team").get(pk=row["pk"])
            audit_record(team=report.system.team, actor=None, action="report.requeued", obj=report,
                         changes={"status": [ReportStatus.RENDERING, ReportStatus.QUEUED],
                                  "attempts": [row["attempts"], row["attempts"]]})
            transaction.on_commit(lambda pk=row["pk"]: queue_render(pk))
        requeued.append(row["pk"])
        log.warning("report %s: renderer silent since %s; re-queued", row["pk"], now - HEARTBEAT_TIMEOUT)
    return requeued
