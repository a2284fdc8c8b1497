"""The team's GDPR Art. 30 record (CSV, XLSX, PDF) and the DPIA as an editable DOCX."""

import csv
import io

import openpyxl
from docx import Document

from assessments.privacy import services

from ..reports.conftest import pdf_text
from .test_dpia_report import ANSWERED


def test_art_30_record_in_three_formats(login, kids_app, forecaster, owner, team, outsider):
    services.privacy_assessment_save(actor=owner, system=kids_app, values=ANSWERED | {
        "data_categories": [{"category": "voice", "retention": "30 days", "note": ""}],
        "transfers": [{"recipient": "Speech API Inc.", "role": "processor", "country": "US",
                       "safeguards": ["scc", "dpa"], "model_provider": True, "note": ""}]})
    client = login(owner)
    response = client.get(f"/teams/{team.slug}/privacy/record.csv")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
    assert rows[0][:4] == ["Processing activity (system)", "Controller", "Data protection officer",
                           "Purposes and lawful basis"]
    names = [r[0] for r in rows[1:]]
    assert "Story buddy" in names and "Demand forecast" not in names  # no personal data: not in the record
    row = dict(zip(rows[0], rows[names.index("Story buddy") + 1], strict=True))
    assert row["Controller"] == "Story Buddy Ltd" and row["Purposes and lawful basis"] == \
        "Tell personalised stories (Consent)"
    assert "Speech API Inc. in US: Standard contractual clauses; Data processing agreement" in \
        row["Transfers to third countries and safeguards"] or "Speech API Inc. in US" in \
        row["Transfers to third countries and safeguards"]
    assert row["Time limits for erasure"] == "Voice recordings: 30 days"

    xlsx = client.get(f"/teams/{team.slug}/privacy/record.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["A1"].value == "Processing activity (system)" and sheet["B2"].value == "Story Buddy Ltd"

    pdf = client.get(f"/teams/{team.slug}/privacy/record.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = pdf_text(pdf.content)
    assert "Record of processing activities" in text and "Story Buddy Ltd" in text
    assert client.get(f"/teams/{team.slug}/privacy/record.txt").status_code == 404
    assert login(outsider).get(f"/teams/{team.slug}/privacy/record.csv").status_code == 404


def test_dpia_as_an_editable_docx(login, kids_app, owner):
    services.privacy_assessment_save(actor=owner, system=kids_app, values=ANSWERED)
    response = login(owner).get(f"/systems/{kids_app.pk}/privacy/dpia.docx")
    assert response.status_code == 200 and "wordprocessingml" in response["Content-Type"]
    doc = Document(io.BytesIO(response.content))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    for step in ("Step 1: the need for a DPIA", "Step 2: description of the processing", "Step 3: consultation",
                 "Step 4: necessity and proportionality", "Step 5: risks to individuals",
                 "Step 6: measures and residual risk", "Step 7: sign-off and outcomes"):
        assert step in headings
    cells = " ".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert "Story Buddy Ltd" in cells and "Encryption and 30-day deletion" in cells



def test_both_documents_are_linked_where_a_dpo_looks(login, kids_app, owner, team):
    client = login(owner)
    privacy_page = client.get(f"/systems/{kids_app.pk}/privacy/").content.decode()
    assert f'href="/systems/{kids_app.pk}/privacy/dpia.docx"' in privacy_page
    assert f'href="/teams/{team.slug}/settings/#art30"' in privacy_page
    settings_page = client.get(f"/teams/{team.slug}/settings/").content.decode()
    for fmt in ("xlsx", "csv", "pdf"):
        assert f'href="/teams/{team.slug}/privacy/record.{fmt}"' in settings_page
