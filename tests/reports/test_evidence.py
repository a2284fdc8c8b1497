"""The assurance report as evidence: the coverage rule, implementers and verifiers, stale sign-offs,
organisation-level evidence, a reproducible content hash and the verification of a PDF."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from assessments import services
from assessments.models import GovernanceEvidence, Report
from assessments.reports.content import build_content, content_sha256
from assessments.reports.coverage import MitigationFacts, RiskFacts, item_coverage, risk_state
from threatmodel import services as tm_services

from .conftest import generate, pdf_text, squeeze

ITEM = frozenset({("NIST-AI-RMF", "MEASURE 2.7")})


def facts(**kw) -> RiskFacts:
    base = {"id": 1, "status": "open", "treatment": "", "items": ITEM}
    return RiskFacts(**(base | kw))


def test_the_coverage_rule():
    verified = MitigationFacts("verified", has_evidence=True, verifier="Vera")
    assert risk_state(facts(mitigations=(verified,))) == "covered"
    # implemented (or verified without a named verifier) is not evidence yet
    assert risk_state(facts(mitigations=(MitigationFacts("implemented", True, ""),))) == "planned"
    assert risk_state(facts(mitigations=(MitigationFacts("verified", True, ""),))) == "planned"
    # closed counts only with evidence
    assert risk_state(facts(status="closed", closing_evidence="Feature removed in 2.4")) == "covered"
    assert risk_state(facts(status="closed")) == "gap"
    # an accepted risk is never covered
    accepted = facts(treatment="accept", accepted_by="Arjun", accepted_until="2027-03-01", ref="R-9")
    assert risk_state(accepted) == "accepted"
    cov = item_coverage([accepted], "NIST-AI-RMF", ["MEASURE 2.7", "GOVERN 1.2"])
    assert cov["MEASURE 2.7"]["status"] == "accepted" and cov["MEASURE 2.7"]["covered"] == 0
    assert cov["MEASURE 2.7"]["accepted_notes"] == ["R-9 accepted by Arjun until 2027-03-01"]
    # nothing maps here: "not assessed", apart from a gap
    assert cov["GOVERN 1.2"]["status"] == "not_assessed"
    assert item_coverage([facts()], "NIST-AI-RMF", ["MEASURE 2.7"])["MEASURE 2.7"]["status"] == "gap"


def test_accepted_risk_is_not_counted_as_covered(seeded, people, django_capture_on_commit_callbacks):
    system, seeds = seeded
    accepted = seeds["accepted"]
    content = build_content("assurance", system)
    refs = {m.ref for m in accepted.template.mappings.filter(framework__key="NIST-AI-RMF")} if accepted.template_id \
        else set()
    assert refs
    items = {i["ref"]: i for i in content["nist"]["items"]}
    for ref in refs:
        assert items[ref]["accepted"] >= 1
        notes = items[ref]["accepted_notes"]
        assert any(f"R-{accepted.pk} accepted by Arjun Approver (arjun) until" in n for n in notes)
        assert items[ref]["status"] != "covered" or items[ref]["covered"] == items[ref]["risks"]
    text = pdf_text(generate(system, people[0], "assurance", django_capture_on_commit_callbacks).file.read())
    assert f"R-{accepted.pk} accepted by Arjun Approver (arjun) until" in text
    assert "not assessed" in text


def test_mitigations_name_implementer_verifier_and_link_evidence(seeded, people, django_capture_on_commit_callbacks):
    system, seeds = seeded
    verified = seeds["verified"]
    verified.refresh_from_db()
    assert verified.implemented_by == people[0] and verified.verified_by == people[0]
    assert verified.implemented_at and verified.verified_at
    row = next(m for m in build_content("assurance", system)["mitigations"] if m["id"] == verified.pk)
    assert row["verified_by"] == "Olivia Owner (olivia)" and row["verified_at"]
    assert row["evidence_links"] == [{"url": "https://tickets.example.com/SEC-12",
                                      "href": "https://tickets.example.com/SEC-12"}]
    report = generate(system, people[0], "assurance", django_capture_on_commit_callbacks)
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(report.file.read()))
    uris = {a.get_object()["/A"].get("/URI") for page in reader.pages for a in page.get("/Annots") or []
            if a.get_object().get("/A")}
    assert "https://tickets.example.com/SEC-12" in uris
    # going back to work clears the verification
    back = services.mitigation_transition(actor=people[0], mitigation=verified, status="in_progress")
    assert back.verified_by is None and back.implemented_by is None


def test_a_changed_register_shows_its_sign_off_stale(seeded, people, django_capture_on_commit_callbacks):
    system, seeds = seeded
    before = build_content("assurance", system)["reviews"]
    assert before["items"] and not before["items"][-1]["stale"]
    signed_hash = before["items"][-1]["register_hash"]
    services.risk_update(actor=people[0], risk=seeds["injection"], title="Prompt injection (re-scoped)")
    after = build_content("assurance", system)["reviews"]
    assert after["items"][-1]["stale"] and after["current_hash"] != signed_hash
    text = squeeze(pdf_text(generate(system, people[0], "assurance", django_capture_on_commit_callbacks).file.read()))
    assert "stale:theregisterchangedsince" in text
    assert signed_hash in text and after["current_hash"] in text


def test_organisation_evidence_covers_a_governance_subcategory(seeded, people):
    system, _ = seeded
    items = {i["ref"]: i for i in build_content("assurance", system)["nist"]["items"]}
    assert items["GOVERN 2.2"]["status"] == "not_assessed"
    GovernanceEvidence.objects.create(team=system.team, ref="GOVERN 2.2", recorded_by=people[0],
                                      statement="All engineers take the AI risk course yearly",
                                      evidence_links=["https://lms.example.com/ai-risk"])
    content = build_content("assurance", system)
    items = {i["ref"]: i for i in content["nist"]["items"]}
    assert items["GOVERN 2.2"]["status"] == "covered"
    assert items["GOVERN 2.2"]["evidence"][0]["statement"] == "All engineers take the AI risk course yearly"
    row = next(r for r in content["checklist"] if r["ref"] == "GOVERN 2.2")
    assert row["recorded"] and row["by"] == "Olivia Owner (olivia)"


def test_two_renders_of_an_unchanged_system_give_one_hash(seeded, people, django_capture_on_commit_callbacks):
    system, _ = seeded
    first = generate(system, people[0], "assurance", django_capture_on_commit_callbacks)
    # activity elsewhere in the team advances its audit chain but changes nothing this report states
    other = tm_services.system_create(actor=people[0], team=system.team, name="Elsewhere")
    tm_services.system_update(actor=people[0], system=other, description="moved on")
    again = generate(system, people[1], "assurance", django_capture_on_commit_callbacks)
    assert again.pk == first.pk and again.content_sha256 == first.content_sha256
    assert Report.objects.filter(system=system, kind="assurance").count() == 1
    forced = generate(system, people[1], "assurance", django_capture_on_commit_callbacks, force=True)
    assert forced.pk != first.pk and forced.content_sha256 == first.content_sha256


def test_verify_passes_on_the_pdf_and_fails_on_a_tampered_copy(seeded, people, tmp_path,
                                                               django_capture_on_commit_callbacks):
    system, seeds = seeded
    report = generate(system, people[0], "assurance", django_capture_on_commit_callbacks)
    data = report.file.read()
    good = tmp_path / "report.pdf"
    good.write_bytes(data)
    out = io.StringIO()
    call_command("verify_report", str(good), stdout=out)
    assert "verified" in out.getvalue() and "unchanged since the report" in out.getvalue()

    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(data.replace(b"Mitigations and evidence", b"Mitigations and evidencf", 1)
                         if b"Mitigations and evidence" in data else data[:-200] + b"%tampered" + data[-191:])
    with pytest.raises(CommandError):
        call_command("verify_report", str(tampered), stdout=io.StringIO())

    # after a change the PDF still verifies, and the command says what differs
    services.risk_update(actor=people[0], risk=seeds["injection"], likelihood=1)
    out = io.StringIO()
    call_command("verify_report", str(good), stdout=out)
    assert f"risks[R-{seeds['injection'].pk}].likelihood" in out.getvalue()


def test_verify_api(seeded, people, outsider, django_capture_on_commit_callbacks):
    system, _ = seeded
    report = generate(system, people[0], "assurance", django_capture_on_commit_callbacks)
    client = APIClient()
    client.force_authenticate(people[1])
    stored = client.get(f"/api/v1/reports/{report.pk}/verify/")
    assert stored.status_code == 200 and stored.json()["ok"] and stored.json()["unchanged_since"]
    data = report.file.read()
    upload = io.BytesIO(data[:-10] + b"0000000000")
    upload.name = "copy.pdf"
    response = client.post("/api/v1/reports/verify/", {"file": upload}, format="multipart")
    assert response.status_code == 200 and not response.json()["ok"] and response.json()["problems"]
    missing = client.post("/api/v1/reports/verify/", {}, format="multipart")
    assert missing.status_code == 400 and "file" in missing.content.decode()
    # another team's member finds no stored report for it and is not told about the system's current state
    stranger = APIClient()
    stranger.force_authenticate(outsider)
    upload = io.BytesIO(data)
    upload.name = "copy.pdf"
    foreign = stranger.post("/api/v1/reports/verify/", {"file": upload}, format="multipart").json()
    assert not foreign["ok"] and foreign["report"] is None and foreign["differences"] == []
    assert foreign["current_sha256"] == ""
    assert stranger.get(f"/api/v1/reports/{report.pk}/verify/").status_code == 404


def test_content_hash_leaves_out_the_audit_head(seeded, people):
    system, _ = seeded
    first = build_content("assurance", system)
    tm_services.system_create(actor=people[0], team=system.team, name="Advance the chain")
    second = build_content("assurance", system)
    assert first["audit"]["head"] != second["audit"]["head"]
    assert content_sha256(first) == content_sha256(second)
