"""The privacy assessment (DPIA) as an editable DOCX, written with python-docx from the report's content.

Same content as the PDF (``content/pia.py`` and ``content/dpia.py``), laid out as Word headings,
paragraphs and two-column tables so a DPO can edit and circulate it; missing elements are flagged in
bold red, as in the PDF.
"""

import io

from docx import Document
from docx.shared import Pt, RGBColor

RED = RGBColor(0x9F, 0x12, 0x39)


def _kv(doc, rows) -> None:
    table = doc.add_table(rows=0, cols=2)
    table.style = "Light Grid Accent 1"
    for key, value in rows:
        cells = table.add_row().cells
        cells[0].text = str(key)
        cells[1].text = str(value if value not in (None, "", []) else "Not answered")


def _missing(doc, items) -> None:
    if items:
        run = doc.add_paragraph().add_run("Missing: " + "; ".join(items))
        run.bold, run.font.color.rgb = True, RED


def pia_docx(c: dict, digest: str) -> bytes:
    doc = Document()
    doc.styles["Normal"].font.size = Pt(10)
    d, ans, s = c["dpia_sections"], c["answers"], c["sign_off"]
    doc.add_heading(c["title"], 0)
    doc.add_paragraph(f"Team {c['system']['team']} · generated {c['generated']['at']} by {c['generated']['by']} · "
                      f"content SHA-256 {digest}")
    doc.add_heading("Step 1: the need for a DPIA", 1)
    doc.add_paragraph(c["dpia"]["label"]).runs[0].bold = True
    for line in c["dpia"]["summary"]:
        doc.add_paragraph(line)
    for case in c["dpia"]["mandatory"]:
        doc.add_paragraph(case, style="List Bullet")
    for cr in c["dpia"]["criteria"]:
        answer = {True: "applies", False: "does not apply", None: "not answered"}[cr["applies"]]
        doc.add_paragraph(f"{cr['label']}: {answer}" + (f" ({cr['state']})" if cr["state"] else ""),
                          style="List Bullet")
    doc.add_heading("Step 2: description of the processing", 1)
    doc.add_paragraph(ans["processing_description"] or "Nature of the processing: not described.")
    sc, cx, pa = d["scope"], d["context"], d["parties"]
    _kv(doc, [("People concerned", sc["people_text"]), ("Records", sc["records_text"]),
              ("Frequency", sc["frequency"]), ("Geographical area", ", ".join(sc["geography"])),
              ("Duration", sc["duration"]), ("Relationship with the people", cx["relationship"]),
              ("What they would expect", cx["expectations"]), ("Children or vulnerable people", cx["vulnerable"]),
              ("Concerns", cx["concerns"]), ("Controller", pa["controller"]),
              ("Processors", ", ".join(pa["processors"])), ("Data protection officer", pa["dpo"]),
              ("Legitimate interest pursued", pa["legitimate_interests"])])
    doc.add_heading("Purposes and lawful basis", 2)
    for p in ans["purposes"]:
        doc.add_paragraph(f"{p['purpose']}: {p['legal_basis_label']}", style="List Bullet")
    _kv(doc, [("Data subjects", ", ".join(ans["data_subjects"]["text"])),
              ("Categories of personal data", ", ".join(x["label"] for x in ans["data_categories"]["text"])),
              ("Applicable regimes", ", ".join(ans["regimes"]["text"]))])
    _missing(doc, d["missing"]["processing"])
    doc.add_heading("Step 3: consultation", 1)
    for e in d["consultation"]:
        doc.add_paragraph(f"{e['who_label']} {e['name']} ({e['when']}): {e['said']}", style="List Bullet")
    if d["not_consulted_reason"]:
        doc.add_paragraph(f"Nobody was consulted: {d['not_consulted_reason']}")
    _missing(doc, d["missing"]["consultation"])
    doc.add_heading("Step 4: necessity and proportionality", 1)
    _kv(doc, [(n["label"], n["text"]) for n in d["necessity"]])
    _missing(doc, d["missing"]["necessity"])
    doc.add_heading("Step 5: risks to individuals", 1)
    for r in d["individual_risks"]:
        doc.add_heading(r["title"], 3)
        _kv(doc, [("Harm to people", r["harm"]), ("Feared events", ", ".join(r["feared_labels"])),
                  ("Likelihood", r["likelihood_label"]), ("Severity", r["severity_label"]), ("Risk", r["level"])])
    _missing(doc, d["missing"]["risks"])
    doc.add_heading("Step 6: measures and residual risk", 1)
    for r in d["individual_risks"]:
        _kv(doc, [("Risk", r["title"]), ("Measures", r["measures"]), ("Effect", r["effect"]),
                  ("Residual risk", r["residual_level"])])
    _kv(doc, [("Highest residual risk", d["overall_residual"]), ("Conclusion", d["conclusion"]["summary"]),
              ("Art. 36 prior consultation", d["conclusion"]["art36_label"]),
              ("Why", d["conclusion"]["art36_reason"])])
    _missing(doc, d["missing"]["measures"] + d["missing"]["conclusion"])
    for m in d["regimes"]:
        doc.add_heading(m["label"], 2)
        _kv(doc, [(row["q"], row["a"]) for row in m["rows"]] + [("Detail", m["detail"])])
        _missing(doc, m["missing"])
    doc.add_heading("Step 7: sign-off and outcomes", 1)
    followed = {True: "Yes", False: f"No, overruled: {s['dpo_overruled_reason']}", None: ""}[s["dpo_advice_followed"]]
    _kv(doc, [("DPO's advice", s["dpo_advice"]), ("Given by", s["dpo_advice_by"]), ("Advice followed", followed),
              ("Measures approved by", s["measures_approved_by"]),
              ("Residual risks approved by", s["residual_approved_by"]),
              ("Signed off by", f"{s['by']} {s['at']}" if s["signed"] else ""), ("Next review", s["review_date"])])
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
