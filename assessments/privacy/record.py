"""The GDPR Art. 30 record of processing activities of a team: one row per system that processes personal
data (or may: unanswered ones are listed, marked), as CSV, XLSX or PDF.

Art. 30(1) asks for: the controller and the DPO; the purposes; the categories of data subjects and of
personal data; the categories of recipients; transfers to third countries with their safeguards; the time
limits for erasure; a general description of the security measures. The security measures are the
system's implemented and verified mitigations.
"""

import csv
import io

import xlsxwriter

from threatmodel.models import AISystem

from ..exports import escape_cell
from ..models import Mitigation, MitigationStatus
from . import vocab
from .selectors import privacy_state

COLUMNS = (
    ("system", "Processing activity (system)"),
    ("controller", "Controller"),
    ("dpo", "Data protection officer"),
    ("purposes", "Purposes and lawful basis"),
    ("subjects", "Categories of data subjects"),
    ("categories", "Categories of personal data"),
    ("recipients", "Recipients"),
    ("transfers", "Transfers to third countries and safeguards"),
    ("retention", "Time limits for erasure"),
    ("security", "Security measures"),
    ("dpia", "DPIA"),
    ("updated", "Assessment version"),
)


def _labels(choices, values) -> str:
    return "; ".join(vocab.label_of(choices, v) for v in values or [])


def record_rows(team) -> list[dict]:
    systems = list(AISystem.objects.filter(team=team).select_related("team").order_by("name", "id"))
    measures: dict[int, list[str]] = {}
    for system_id, title in Mitigation.objects.filter(
            system__in=systems, status__in=[MitigationStatus.IMPLEMENTED, MitigationStatus.VERIFIED]).order_by(
            "id").values_list("system_id", "title"):
        measures.setdefault(system_id, []).append(title)
    rows = []
    for system in systems:
        state = privacy_state(system)
        v = state.values
        if v["processes_personal_data"] is False:
            continue
        parties = v["parties"]
        recipients = [t["recipient"] + (f" ({vocab.label_of(vocab.TRANSFER_ROLES, t['role'])})" if t["role"] else "")
                      for t in v["transfers"]] + list(parties["processors"])
        transfers = [f"{t['recipient']} in {t['country']}: {_labels(vocab.SAFEGUARDS, t['safeguards']) or 'none'}"
                     for t in v["transfers"] if t["country"]]
        rows.append({
            "system": system.name + ("" if v["processes_personal_data"] else " (personal data not confirmed)"),
            "controller": parties["controller"],
            "dpo": parties["dpo"],
            "purposes": "; ".join(f"{p['purpose']} ({vocab.label_of(vocab.LEGAL_BASES, p['legal_basis'])})"
                                  if p["legal_basis"] else p["purpose"] for p in v["purposes"]),
            "subjects": _labels(vocab.DATA_SUBJECTS, v["data_subjects"]),
            "categories": "; ".join(vocab.label_of(vocab.CATEGORY_CHOICES, c["category"]) for c in
                                    v["data_categories"]),
            "recipients": "; ".join(recipients),
            "transfers": "; ".join(transfers),
            "retention": "; ".join(f"{vocab.label_of(vocab.CATEGORY_CHOICES, c['category'])}: {c['retention']}"
                                   for c in v["data_categories"] if c["retention"])
            or v["necessity"]["retention_justification"],
            "security": "; ".join(measures.get(system.pk, [])),
            "dpia": state.screening.label,
            "updated": state.version,
        })
    return rows


def record_csv(team) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([label for _, label in COLUMNS])
    for row in record_rows(team):
        writer.writerow([escape_cell(row[key]) for key, _ in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode()


def record_xlsx(team) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    sheet = book.add_worksheet("Art. 30 record")
    bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    for col, (_, label) in enumerate(COLUMNS):
        sheet.write_string(0, col, label, bold)
        sheet.set_column(col, col, 28)
    for r, row in enumerate(record_rows(team), start=1):
        for col, (key, _) in enumerate(COLUMNS):
            value = row[key]
            if isinstance(value, int):
                sheet.write_number(r, col, value, wrap)
            else:
                sheet.write_string(r, col, str(escape_cell(value)), wrap)
    sheet.freeze_panes(1, 1)
    book.close()
    return buffer.getvalue()
