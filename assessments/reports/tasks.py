"""The Celery task that renders a report. Takes an id, claims the report, renders it once (see services)."""

from celery import shared_task

from .services import HEARTBEAT_TIMEOUT, report_render


@shared_task(name="assessments.reports.render_report", bind=True, acks_late=True, ignore_result=True,
             max_retries=4)
def render_report(self, report_id: int) -> str:
    """Safe to run twice: a finished report is skipped; one another live run holds is retried later.

    That retry is what rescues a report whose worker died mid-render: by then the first run's
    heartbeat is stale and this run takes the render over.
    """
    outcome = report_render(int(report_id))
    if outcome == "busy" and not self.request.is_eager:
        raise self.retry(countdown=int(HEARTBEAT_TIMEOUT.total_seconds()) + 5)
    return outcome


@shared_task(name="assessments.reports.reap_stalled", ignore_result=True)
def reap_stalled() -> list[int]:
    """Beat, every heartbeat interval: re-queue renders whose worker died (see reaper)."""
    from .reaper import report_reap_stalled

    return report_reap_stalled()
