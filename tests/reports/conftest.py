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


@pytest.fixture
def people(team):
    from threatmodel.models import Role

    from ..factories import member

    owner = member(team, Role.OWNER, username="olivia", first_name="Olivia", last_name="Owner")
    approver = member(team, Role.CONTRIBUTOR, username="arjun", first_name="Arjun", last_name="Approver")
    return owner, approver


@pytest.fixture
def seeded(catalog, team, people):
    from assessments.resuggest import resuggest_system
    from threatmodel.demo import build_support_assistant

    owner, approver = people
    system = build_support_assistant(actor=owner, team=team)
    resuggest_system(system.pk)
    return system, seed_register(system, owner, approver)


def generate(system, user, kind, django_capture_on_commit_callbacks, force=False):
    from assessments.reports.services import report_request

    with django_capture_on_commit_callbacks(execute=True):
        report = report_request(actor=user, system=system, kind=kind, force=force)
    report.refresh_from_db()
    return report
