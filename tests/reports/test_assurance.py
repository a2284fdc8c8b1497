"""The assurance report of a seeded system, read back from the PDF with pypdf."""

import hashlib
import io

from pypdf import PdfReader

from assessments.models import Risk
from assessments.reports.content import build_content, content_sha256
from threatmodel.audit import audit_verify

from .conftest import generate, pdf_text, squeeze


def test_assurance_pdf_states_the_register(seeded, people, django_capture_on_commit_callbacks):
    system, seeds = seeded
    owner, _approver = people
    report = generate(system, owner, "assurance", django_capture_on_commit_callbacks)
    assert report.status == "done", report.error
    data = report.file.read()
    assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == report.sha256
    assert report.progress == 100 and report.pages and report.size == len(data)

    text = pdf_text(data)
    for section in ("Contents", "Scope and system description", "Catalog release", "NIST AI RMF coverage",
                    "AI security capabilities by input, model and output", "Register summary",
                    "Open high and critical risks", "Overdue items", "Accepted risks", "Mitigations and evidence",
                    "Reviews and sign-offs", "Appendix: the risk register", "Integrity and generation"):
        assert section in text, section
    assert "Customer support assistant" in text and "Support LLM" in text
    assert "All 72 subcategories" in text
    # names, owners, evidence, acceptance, overdue items
    assert seeds["injection"].title in text
    assert "Red-team run 2025-11 blocked 48 of 50 payloads" in text
    assert "Quarterly access review" in text and "10 days late" in text and "OVERDUE" in text
    assert "accepted by Arjun Approver (arjun) until" in text
    assert "Olivia Owner (olivia)" in text
    assert f"Page 1 of {report.pages}" in text and f"Page {report.pages} of {report.pages}" in text
    # the hashes the report promises
    flat = squeeze(text)
    assert audit_verify(team=system.team).head[:16] in flat or report.content_sha256 in flat
    assert report.content_sha256 in flat
    assert report.catalog_version and report.catalog_version in text
    # counts match the register
    total = Risk.objects.filter(system=system).exclude(status="suggested").count()  # triaged only
    assert f"{total} risks in the register" in text
    content = build_content("assurance", system)
    assert len(content["nist"]["items"]) == 72
    assert {f["key"] for f in content["nist"]["functions"]} == {"GOVERN", "MAP", "MEASURE", "MANAGE"}
    assert sum(f["total"] for f in content["nist"]["functions"]) == 72
    assert len(content["capabilities"]) == 9 and all(len(c["cells"]) == 3 for c in content["capabilities"])


def test_pdf_is_archival_and_tagged(seeded, people, django_capture_on_commit_callbacks):
    system, _ = seeded
    report = generate(system, people[0], "assurance", django_capture_on_commit_callbacks)
    reader = PdfReader(io.BytesIO(report.file.read()))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    metadata = root["/Metadata"].get_object().get_data()
    assert b"pdfaid:part" in metadata and b"3" in metadata
    assert reader.metadata.title == "Assurance report: Customer support assistant"
    assert report.pdf_variant == "pdf/a-3b"
    assert list(reader.attachments) == ["report-content.json"]


def test_coverage_follows_mitigation_states(seeded):
    system, seeds = seeded
    content = build_content("assurance", system)
    items = {i["ref"]: i for i in content["nist"]["items"]}
    injection_refs = {m.ref for m in seeds["injection"].template.mappings.filter(framework__key="NIST-AI-RMF")}
    assert injection_refs, "the seeded risk maps to NIST subcategories"
    for ref in injection_refs:
        assert items[ref]["covered"] >= 1  # the verified mitigation with evidence and a verifier
    # a subcategory nothing maps to, with no organisation evidence, is "not assessed" (not a gap)
    empty = [i for i in content["nist"]["items"] if i["risks"] == 0 and not i["evidence"]]
    assert empty and all(i["status"] == "not_assessed" and "no risk" in i["reason"] for i in empty)


def test_content_hash_ignores_generation_time_and_author(seeded, people):
    system, _ = seeded
    first = build_content("assurance", system, generated_by=people[0])
    second = build_content("assurance", system, generated_by=people[1])
    assert first["generated"] != second["generated"]
    assert content_sha256(first) == content_sha256(second)


def test_pia_pdf_marks_inferred_answers(seeded, people, django_capture_on_commit_callbacks):
    system, _ = seeded
    report = generate(system, people[0], "pia", django_capture_on_commit_callbacks)
    assert report.status == "done", report.error
    text = pdf_text(report.file.read())
    for section in ("Summary and DPIA screening result", "Processing and purposes", "Transfers to third parties",
                    "Data subject rights and erasure", "DPIA screening", "Privacy risks from the register",
                    "Answers inferred from the model", "DPO sign-off"):
        assert section in text, section
    assert "inferred" in text
    assert "Provider of 'Support LLM'" in text  # the third-party model provider inferred as a transfer
    assert "GDPR (EU / UK)" in text
    assert "Customer chat → Support LLM" in text  # a flow carrying personal data
    assert "Not signed off" in text or "not signed off" in text
