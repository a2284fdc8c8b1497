"""CSV and XLSX export of a register view: the rows of the current filter and sort, the columns of the table.

Safe by construction: a text cell that a spreadsheet could read as a formula (starting with
= + - @, or a tab or carriage return that some importers strip before them) is prefixed with an
apostrophe. The XLSX is written with XlsxWriter in constant-memory (streaming) mode, rows read from
the database in chunks, so a register of any size needs little memory.
"""

import csv
import datetime
import tempfile
from collections.abc import Iterable, Iterator

import xlsxwriter
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify

from .models import Risk, RiskStatus, Treatment

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATUS_LABELS = dict(RiskStatus.choices)
TREATMENT_LABELS = dict(Treatment.choices)


def escape_cell(value):
    """Neutralise spreadsheet formulas in text; numbers and dates pass through."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _user(user) -> str:
    return user.get_username() if user is not None else ""


def _mappings(risk: Risk) -> str:
    return "; ".join(f"{item.framework.key} {item.ref}" for item in risk.mappings)


# (header, getter, kind) — kind is "text", "int" or "date"
COLUMNS = [
    ("ID", lambda r: r.pk, "int"),
    ("System", lambda r: r.system.name, "text"),
    ("Component", lambda r: r.component.name if r.component_id else "", "text"),
    ("Threat", lambda r: r.template.ref if r.template_id else "custom", "text"),
    ("Title", lambda r: r.title, "text"),
    ("Status", lambda r: STATUS_LABELS.get(r.status, r.status), "text"),
    ("Status reason", lambda r: r.status_reason, "text"),
    ("Stale", lambda r: r.stale_reason if r.stale else "", "text"),
    ("Likelihood", lambda r: r.likelihood, "int"),
    ("Impact", lambda r: r.impact, "int"),
    ("Score", lambda r: r.score, "int"),
    ("Band", lambda r: r.band or "", "text"),
    ("Residual likelihood", lambda r: r.residual_likelihood, "int"),
    ("Residual impact", lambda r: r.residual_impact, "int"),
    ("Residual score", lambda r: r.residual_score, "int"),
    ("Residual band", lambda r: r.residual_band or "", "text"),
    ("Treatment", lambda r: TREATMENT_LABELS.get(r.treatment, r.treatment), "text"),
    ("Owner", lambda r: _user(r.owner), "text"),
    ("Due", lambda r: r.due, "date"),
    ("Overdue", lambda r: "yes" if r.is_overdue else "", "text"),
    ("Accepted by", lambda r: _user(r.accepted_by), "text"),
    ("Acceptance review", lambda r: r.acceptance_review_date, "date"),
    ("Mitigations", lambda r: "; ".join(f"{m.title} ({m.get_status_display()})" for m in r.mitigations.all()),
     "text"),
    ("Frameworks", _mappings, "text"),
    ("Why", lambda r: "; ".join(str(w) for w in (r.why or [])), "text"),
    ("Tickets", lambda r: "; ".join(f"{x.tracker}:{x.key or x.external_id}" for x in r.external_refs.all()), "text"),
]
HEADERS = [header for header, _getter, _kind in COLUMNS]


def export_rows(risks: Iterable[Risk]) -> Iterator[list]:
    for risk in risks:
        yield [getter(risk) for _header, getter, _kind in COLUMNS]


def _chunks(qs, size: int = 500):
    return qs.iterator(chunk_size=size) if hasattr(qs, "iterator") else iter(qs)


def export_filename(label: str, ext: str) -> str:
    return f"register-{slugify(label)[:60] or 'export'}-{timezone.localdate():%Y%m%d}.{ext}"


class _Echo:
    def write(self, value):
        return value


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return escape_cell(str(value)) if isinstance(value, str) else str(value)


def csv_response(risks, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def stream():
        yield "\ufeff"  # so spreadsheet programs read the file as UTF-8
        yield writer.writerow(HEADERS)
        for row in export_rows(_chunks(risks)):
            yield writer.writerow([_csv_text(v) for v in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


SHEET_NAME_FORBIDDEN = str.maketrans(dict.fromkeys("/\\[]:*?", "-"))
SHEET_NAME_MAX = 31


def safe_sheet_name(title: str, used: set[str] | None = None, fallback: str = "Register") -> str:
    """A worksheet name Excel accepts: none of / \\ [ ] : * ?, no apostrophe at either end, at most 31
    characters, not "History" (reserved), and unique (case-insensitively) among `used`, which it extends."""
    name = " ".join(str(title or "").translate(SHEET_NAME_FORBIDDEN).split()).strip("'").strip()
    name = name[:SHEET_NAME_MAX].rstrip("'").strip() or fallback
    if name.lower() == "history":
        name = f"{name} (1)"
    used = used if used is not None else set()
    candidate, n = name, 1
    while candidate.lower() in used:
        n += 1
        suffix = f" ({n})"
        candidate = name[:SHEET_NAME_MAX - len(suffix)].rstrip("'").rstrip() + suffix
    used.add(candidate.lower())
    return candidate


def write_xlsx(risks, fh, title: str = "Register") -> int:
    """Write the rows to `fh` as XLSX (constant-memory mode); returns the number of data rows."""
    workbook = xlsxwriter.Workbook(fh, {
        "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
        "strings_to_numbers": False, "tmpdir": tempfile.gettempdir(),
    })
    sheet = workbook.add_worksheet(safe_sheet_name(title))
    bold = workbook.add_format({"bold": True})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for col, header in enumerate(HEADERS):
        sheet.write_string(0, col, header, bold)
    kinds = [kind for _header, _getter, kind in COLUMNS]
    n = 0
    for n, row in enumerate(export_rows(_chunks(risks)), start=1):
        for col, (value, kind) in enumerate(zip(row, kinds, strict=True)):
            if value is None or value == "":
                continue
            if kind == "int":
                sheet.write_number(n, col, value)
            elif kind == "date":
                sheet.write_datetime(n, col, datetime.datetime.combine(value, datetime.time()), date_format)
            else:
                sheet.write_string(n, col, escape_cell(str(value)))
    sheet.freeze_panes(1, 0)
    workbook.close()
    return n


def xlsx_response(risks, filename: str, title: str = "Register") -> FileResponse:
    fh = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes (and so deletes) it after streaming
    write_xlsx(risks, fh, title)
    fh.seek(0)
    return FileResponse(fh, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
