"""A running render's pulse: a thread that stamps `heartbeat_at` every interval until the render ends, so a
render is judged alive by its process, not by how long one stage of the layout takes (see reaper)."""

import logging
import threading

from django.conf import settings
from django.db import connections
from django.utils import timezone

from ..models.reports import Report, ReportStatus

log = logging.getLogger(__name__)


class Heartbeat:
    """`with Heartbeat(report_id, claim):` stamps the report's heartbeat every interval until the block ends."""

    def __init__(self, report_id: int, claim: str, interval: float | None = None):
        self.report_id, self.claim = report_id, claim
        self.interval = interval or settings.REPORT_HEARTBEAT_SECONDS
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"report-{report_id}-heartbeat", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)
        return False

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    Report.objects.filter(pk=self.report_id, claim=self.claim, status=ReportStatus.RENDERING).update(
                        heartbeat_at=timezone.now())
                except Exception:  # noqa: BLE001 - a missed beat is not fatal; the next one may pass
                    log.debug("heartbeat of report %s failed", self.report_id, exc_info=True)
        finally:
            connections.close_all()  # this thread's own connections only
