"""The privacy documents that are not PDF reports of the register: the DPIA as an editable Word document
(from the same content as the PDF) and the team's GDPR Art. 30 record of processing (CSV, XLSX, PDF).
They live with the reports because they are rendered by the report code; the privacy package only
supplies the data (its record rows and the assessment)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from threatmodel import selectors as tm_selectors

from ..privacy import record
from .content import build_content, content_sha256
from .docx import pia_docx
from .render import render_pdf

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def record_pdf(team) -> bytes:
    html = render_to_string("privacy/record.html", {
        "team": team, "rows": record.record_rows(team), "columns": record.COLUMNS,
        "generated": timezone.now().strftime("%Y-%m-%d %H:%M UTC")})
    return render_pdf(html).data


RECORD_FORMATS = {"csv": ("text/csv; charset=utf-8", record.record_csv),
                  "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", record.record_xlsx),
                  "pdf": ("application/pdf", record_pdf)}


@login_required
@require_http_methods(["GET"])
def team_processing_record(request, slug, fmt):
    """The team's GDPR Art. 30 record of processing activities as CSV, XLSX or PDF."""
    team = tm_selectors.team_get(request.user, slug)
    if fmt not in RECORD_FORMATS:
        raise Http404("No such format.")
    content_type, build = RECORD_FORMATS[fmt]
    response = HttpResponse(build(team), content_type=content_type)
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="art30-record-{team.slug}-{stamp}.{fmt}"'
    return response


@login_required
@require_http_methods(["GET"])
def privacy_docx(request, pk):
    """The privacy assessment (DPIA) as an editable Word document, from the same content as the PDF."""
    system = tm_selectors.system_get(request.user, pk)
    content = build_content("pia", system, generated_by=request.user)
    response = HttpResponse(pia_docx(content, content_sha256(content)), content_type=DOCX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="dpia-{system.slug or system.pk}.docx"'
    return response
