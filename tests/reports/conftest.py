"""Fixtures for report tests: a seeded system, media files in a temporary directory, and helpers to
read PDFs (the real catalog is loaded once per session, tests/conftest.py)."""

import io

import pytest
from pypdf import PdfReader

from ..factories import in_days  # noqa: F401  (re-exported for the report tests)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def pdf_text(data: bytes) -> str:
    """The PDF's text with runs of whitespace (line and page breaks included) collapsed to one space."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def squeeze(text: str) -> str:
    return "".join(text.split())


def seed_register(system, owner, approver):
    """Act on the demo system's suggestions: open, mitigate, verify, accept, overdue, sign off."""
    from assessments import services
    from assessments.models import Risk

    risks = list(Risk.objects.filter(system=system).select_related("template").order_by("id"))
    by_ref = {r.template.ref: r for r in risks if r.template_id}
    injection = by_ref.get("AI-IN-001") or risks[0]
    injection = services.risk_transition(actor=owner, risk=injection, status="open")
    injection = services.risk_update(actor=owner, risk=injection, owner=approver, due=in_days(-3))
    verified = services.mitigation_create(actor=owner, system=system, control="CTL-001", owner=owner,
                                          due=in_days(30), evidence="Red-team run 2025-11 blocked 48 of 50 payloads",
                                          evidence_links=["https://tickets.example.com/SEC-12"], risks=[injection.pk])
    for step in ("in_progress", "implemented", "verified"):
        verified = services.mitigation_transition(actor=owner, mitigation=verified, status=step)
    late = services.mitigation_create(actor=owner, system=system, title="Quarterly access review", owner=approver,
                                      due=in_days(-10), risks=[risks[1].pk])
    accepted = services.risk_transition(actor=owner, risk=risks[2], status="open")
    accepted = services.risk_update(actor=owner, risk=accepted, owner=owner)
    accepted = services.risk_accept(actor=approver, risk=accepted, review_date=in_days(90),
                                    reason="Only staff can reach it")
    services.review_sign_off(actor=owner, system=system, role="author", comment="Workshop done")
    return {"injection": injection, "verified": verified, "late": late, "accepted": accepted}
