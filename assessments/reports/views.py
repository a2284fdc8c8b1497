"""Report pages: history per system and across teams, request, live preview, progress, download."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from threatmodel import selectors as tm_selectors
from threatmodel.models import Role

from ..models.reports import ReportKind, ReportStatus
from . import selectors, services
from .content import build_content, content_sha256
from .render import render_html


@login_required
@require_GET
def report_list(request):
    page = Paginator(selectors.reports_for(request.user).order_by("-created_at", "-id"), 50).get_page(
        request.GET.get("page"))
    systems = tm_selectors.systems_for(request.user).order_by("team__name", "name")
    return render(request, "reports/pages/list.html", {"page": page, "systems": systems, "title": "Reports"})


@login_required
@require_GET
def system_reports(request, pk):
    return _system_reports_page(request, tm_selectors.system_get(request.user, pk))


def _system_reports_page(request, system, status: int = 200):
    reports = selectors.reports_of_system(system)[:100]
    return render(request, "reports/pages/system.html", {
        "system": system, "reports": reports, "kinds": ReportKind.choices, "title": f"Reports of {system.name}",
        "can_request": tm_selectors.user_can(request.user, system.team, Role.VIEWER),
        "can_edit": tm_selectors.can_edit(request.user, system.team)}, status=status)


@login_required
@require_POST
def report_create(request, pk):
    system = tm_selectors.system_get(request.user, pk)
    try:
        report = services.report_request(actor=request.user, system=system, kind=request.POST.get("kind", ""))
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
        return redirect("system_reports", pk=system.pk)
    except services.RenderRateLimited as exc:
        messages.error(request, str(exc))
        response = _system_reports_page(request, system, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    if getattr(report, "reused", False):
        messages.info(request, f"Nothing changed since report #{report.pk} (same content SHA-256): here it is.")
    return redirect("report_detail", pk=report.pk)


@login_required
@require_GET
def report_preview(request, pk, kind):
    """The report as it would be generated now: the same HTML the PDF is made from."""
    system = tm_selectors.system_get(request.user, pk)
    if kind not in ReportKind.values:
        raise Http404("No such report kind.")
    content = build_content(kind, system, generated_by=request.user)
    html = render_html(content, content_sha256=content_sha256(content), preview=True,
                       back_url=reverse("system_reports", args=[system.pk]))
    return HttpResponse(html)


@login_required
@require_GET
def report_detail(request, pk):
    report = services.report_expire_stale(selectors.report_get(request.user, pk))
    return render(request, "reports/pages/detail.html", {"report": report, "system": report.system,
                                                         "title": str(report)})


@login_required
@require_GET
def report_status(request, pk):
    report = services.report_expire_stale(selectors.report_get(request.user, pk))
    return JsonResponse({
        "id": report.pk, "status": report.status, "status_label": report.get_status_display(),
        "progress": report.progress, "stage": report.stage, "error": report.error, "finished": report.finished,
        "sha256": report.sha256,
        "pdf_url": reverse("report_pdf", args=[report.pk]) if report.status == ReportStatus.DONE else None,
    })


@login_required
@require_GET
def report_pdf(request, pk):
    report = selectors.report_get(request.user, pk)
    if report.status != ReportStatus.DONE or not report.file:
        raise Http404("This report has no PDF (yet).")
    response = FileResponse(report.file.open("rb"), content_type="application/pdf",
                            as_attachment=request.GET.get("inline") != "1", filename=report.filename)
    response["X-Content-SHA256"] = report.sha256
    return response
