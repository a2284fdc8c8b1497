"""Writes on reports: request one (queued on commit) and render it exactly once.

A render is claimed with a token in one conditional UPDATE (queued -> rendering, or a rendering
whose heartbeat went silent -> rendering again); every later write is conditional on that token.
A task delivered twice, or a worker that dies and comes back, therefore finishes each report once,
and a failure marks only that report failed: earlier reports and their files are never touched.
"""

import hashlib
import logging
import uuid
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from catalog.models import CatalogRelease
from threatmodel.audit import audit_record
from threatmodel.models import AISystem, Role
from threatmodel.services.common import require_role
from threatmodel.webhooks import emit, object_payload

from ..models.reports import Report, ReportKind, ReportStatus, report_upload_to
from .content import build_content, canonical_bytes, content_sha256
from .content.scope import stamp
from .heartbeat import Heartbeat
from .render import content_attachment, render_html, render_pdf
from .signing import SIGNATURE_KIND, sign_pdf, signing_identity

log = logging.getLogger(__name__)

# A running render stamps its heartbeat every interval; silent for two intervals, it is taken to be dead.
HEARTBEAT_INTERVAL = timedelta(seconds=settings.REPORT_HEARTBEAT_SECONDS)
HEARTBEAT_TIMEOUT = 2 * HEARTBEAT_INTERVAL
MAX_ATTEMPTS = 3


class RenderRateLimited(Exception):
    """The team asked for more renders than REPORT_RENDER_LIMIT per REPORT_RENDER_WINDOW_SECONDS."""

    def __init__(self, retry_after: int):
        self.retry_after = max(1, int(retry_after))
        super().__init__(f"This team asked for {settings.REPORT_RENDER_LIMIT} reports in the last "
                         f"{settings.REPORT_RENDER_WINDOW_SECONDS // 60} minutes, the most allowed; "
                         f"try again in {self.retry_after} seconds.")


def _check_render_rate(team) -> None:
    """Counted from the team's report rows, under the team's row lock: one count for every app server."""
    limit = settings.REPORT_RENDER_LIMIT
    if not limit:
        return
    from threatmodel.models import Team

    Team.objects.select_for_update().filter(pk=team.pk).values_list("pk", flat=True).first()
    since = timezone.now() - timedelta(seconds=settings.REPORT_RENDER_WINDOW_SECONDS)
    recent = list(Report.objects.filter(system__team=team, created_at__gte=since).order_by("-created_at")
                  .values_list("created_at", flat=True)[:limit])
    if len(recent) >= limit:
        oldest = recent[-1]
        raise RenderRateLimited((oldest - since).total_seconds())


def _label(user) -> str:
    if user is None:
        return ""
    return (user.get_full_name() or "").strip() or user.get_username()


def report_current(system: AISystem, kind: str) -> Report | None:
    """The finished report of this kind whose content is what the system states now, if there is one."""
    digest = content_sha256(build_content(kind, system))
    return (Report.objects.filter(system=system, kind=kind, status=ReportStatus.DONE, content_sha256=digest)
            .exclude(file="").order_by("-id").first())


def report_request(*, actor, system: AISystem, kind: str, force: bool = False) -> Report:
    """Ask for a report; it is rendered in the background once this transaction commits.

    When nothing changed since a finished report of the same kind (same content hash), that report is
    returned as it is and nothing is rendered (``report.reused`` is True); ``force`` renders anyway.
    """
    require_role(actor, system.team, Role.VIEWER)
    if kind not in ReportKind.values:
        raise ValidationError({"kind": f"'{kind}' is not one of {', '.join(ReportKind.values)}."})
    if not force:
        existing = report_current(system, kind)
        if existing is not None:
            existing.reused = True
            return existing
    with transaction.atomic():
        _check_render_rate(system.team)
        release = CatalogRelease.objects.order_by("-id").first()
        report = Report.objects.create(
            system=system, kind=kind, requested_by=actor if getattr(actor, "pk", None) else None,
            requested_by_label=_label(actor), catalog_release=release,
            catalog_version=release.version if release else "", stage="Waiting for a worker")
        audit_record(team=system.team, actor=actor, action="report.requested", obj=report,
                     changes={"kind": [None, kind], "status": [None, ReportStatus.QUEUED]})
        transaction.on_commit(lambda: queue_render(report.pk))
    return report


def queue_render(report_id: int) -> None:
    """Hand the render to Celery; if the broker cannot take it, the report fails with a readable message."""
    from threatmodel.queue import send

    try:
        send("assessments.reports.render_report", report_id, keep=False)
    except Exception as exc:  # noqa: BLE001 - broker down, or an eager-mode render that raised
        log.exception("could not queue or run the render of report %s", report_id)
        _mark_failed(report_id, None, f"The report could not be queued for rendering ({_describe(exc)}).")


# --- the render ---------------------------------------------------------------------------

def report_claim(report_id: int) -> tuple[Report, str] | None:
    """Take the render of a report; None when it is finished, missing, or being rendered by a live run."""
    now = timezone.now()
    token = uuid.uuid4().hex
    taken = Report.objects.filter(pk=report_id).filter(
        Q(status=ReportStatus.QUEUED) | Q(status=ReportStatus.RENDERING, heartbeat_at__lt=now - HEARTBEAT_TIMEOUT)
    ).filter(attempts__lt=MAX_ATTEMPTS).update(
        status=ReportStatus.RENDERING, claim=token, attempts=F("attempts") + 1, started_at=now, heartbeat_at=now,
        progress=5, stage="Collecting the register", error="", updated_at=now, version=F("version") + 1)
    if not taken:
        return None
    report = Report.objects.select_related("system__team", "requested_by").get(pk=report_id)
    return report, token


class _Progress:
    def __init__(self, report_id: int, token: str):
        self.report_id, self.token = report_id, token

    def __call__(self, value: int, stage: str) -> None:
        now = timezone.now()
        Report.objects.filter(pk=self.report_id, claim=self.token, status=ReportStatus.RENDERING).update(
            progress=max(0, min(99, int(value))), stage=stage[:120], heartbeat_at=now, updated_at=now,
            version=F("version") + 1)


def report_render(report_id: int) -> str:
    """Render one report. Returns what happened: done, failed, busy (another live run has it) or skipped."""
    claimed = report_claim(report_id)
    if claimed is None:
        return _why_not_claimed(report_id)
    report, token = claimed
    with Heartbeat(report.pk, token):
        return _render_claimed(report, token)


def _render_claimed(report: Report, token: str) -> str:
    report_id = report.pk
    progress = _Progress(report.pk, token)
    stored_name = ""
    try:
        content = build_content(report.kind, report.system, generated_by=report.requested_by)
        digest = content_sha256(content)
        progress(10, "Laying out the report")
        identity = signing_identity()
        signed_at = timezone.now() if identity else None
        signature = {"subject": identity.subject, "at": stamp(signed_at)} if identity else None
        html = render_html(content, content_sha256=digest, signature=signature)
        pdf = render_pdf(html, on_progress=progress, attachments=[content_attachment(canonical_bytes(content), digest)])
        if identity:
            progress(93, "Signing the PDF")
            pdf.data, signed_at = sign_pdf(pdf.data, identity)
        progress(95, "Storing the PDF")
        sha = hashlib.sha256(pdf.data).hexdigest()
        stored_name = default_storage.save(report_upload_to(report, f"{report.kind}-{report.pk}-{token[:8]}.pdf"),
                                           ContentFile(pdf.data))
        with transaction.atomic():
            now = timezone.now()
            finished = Report.objects.filter(pk=report.pk, claim=token, status=ReportStatus.RENDERING).update(
                status=ReportStatus.DONE, file=stored_name, sha256=sha, content_sha256=digest, size=len(pdf.data),
                pages=pdf.pages, pdf_variant=pdf.variant, signature=SIGNATURE_KIND if identity else "",
                signed_at=signed_at, progress=100, stage="Done", finished_at=now,
                heartbeat_at=now, updated_at=now, error="", version=F("version") + 1)
            if not finished:
                raise _LostClaim()
            audit_record(team=report.system.team, actor=None, action="report.completed", obj=report,
                         changes={"status": [ReportStatus.RENDERING, ReportStatus.DONE], "sha256": [None, sha],
                                  "content_sha256": [None, digest], "pages": [None, pdf.pages]})
            finished_report = Report.objects.get(pk=report.pk)
            emit(report.system.team, "report.completed", object_payload(
                finished_report, "report", kind=report.kind, sha256=sha, content_sha256=digest,
                pdf_href=f"/api/v1/reports/{report.pk}/pdf/"))
    except _LostClaim:
        _discard(stored_name)
        log.warning("report %s: another run took over; this run's PDF was discarded", report_id)
        return "skipped"
    except (Exception, SoftTimeLimitExceeded) as exc:  # noqa: BLE001 - any failure ends in a readable message
        _discard(stored_name)
        log.exception("report %s failed to render", report_id)
        _mark_failed(report.pk, token, _readable(exc))
        return "failed"
    return "done"


class _LostClaim(Exception):
    pass


def _why_not_claimed(report_id: int) -> str:
    row = Report.objects.filter(pk=report_id).values("status", "attempts", "heartbeat_at").first()
    if row is None:
        return "skipped"
    if row["status"] == ReportStatus.QUEUED and row["attempts"] >= MAX_ATTEMPTS:
        _mark_failed(report_id, None, "The report could not be rendered after several attempts.")
        return "failed"
    if row["status"] == ReportStatus.RENDERING:
        if row["attempts"] >= MAX_ATTEMPTS and row["heartbeat_at"] < timezone.now() - HEARTBEAT_TIMEOUT:
            _mark_failed(report_id, None, f"The renderer stopped responding {MAX_ATTEMPTS} times; giving up.")
            return "failed"
        return "busy"
    return "skipped"


def report_expire_stale(report: Report) -> Report:
    """A report whose renderer went silent past every retry is failed rather than left spinning."""
    limit = timezone.now() - HEARTBEAT_TIMEOUT * (MAX_ATTEMPTS + 1)
    if report.status == ReportStatus.RENDERING and report.heartbeat_at and report.heartbeat_at < limit:
        _mark_failed(report.pk, report.claim, "The renderer stopped responding; request the report again.")
        report.refresh_from_db()
    return report


def _mark_failed(report_id: int, token: str | None, message: str) -> None:
    now = timezone.now()
    qs = Report.objects.filter(pk=report_id).exclude(status__in=[ReportStatus.DONE, ReportStatus.FAILED])
    if token is not None:
        qs = qs.filter(claim=token)
    with transaction.atomic():
        failed = qs.update(status=ReportStatus.FAILED, error=message[:2000], stage="Failed", finished_at=now,
                           heartbeat_at=now, updated_at=now, version=F("version") + 1)
        if failed:
            report = Report.objects.select_related("system__team").get(pk=report_id)
            audit_record(team=report.system.team, actor=None, action="report.failed", obj=report,
                         changes={"status": [None, ReportStatus.FAILED], "error": [None, message[:300]]})


def _discard(name: str) -> None:
    if name:
        try:
            default_storage.delete(name)
        except OSError:
            log.warning("could not delete %s", name, exc_info=True)


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:300]}" if text else type(exc).__name__


def _readable(exc: BaseException) -> str:
    if isinstance(exc, SoftTimeLimitExceeded):
        return "Rendering took too long and was stopped. Try again; if it keeps failing, the register may be too " \
               "large for one report."
    if isinstance(exc, OSError):
        return f"The PDF could not be written to storage ({_describe(exc)})."
    return f"The report could not be rendered ({_describe(exc)})."
