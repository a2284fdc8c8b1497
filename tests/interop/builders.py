"""A system with every kind of state an export carries, built through the real services."""

import datetime

from django.utils import timezone

from assessments import services
from assessments.models import Report, Risk, RiskStatus
from assessments.privacy import services as privacy_services
from assessments.reconcile import reconcile_system
from threatmodel import services as tm_services
from threatmodel.demo import build_support_assistant
from threatmodel.models import Membership, Role


def in_days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def join(team, *users, role=Role.CONTRIBUTOR):
    for user in users:
        Membership.objects.update_or_create(team=team, user=user, defaults={"role": role})


def rich_system(team, *, owner, contributor):
    """The demo support assistant with decisions of every kind: statuses, acceptance, residual override,
    custom risks with mappings, verified and rejected mitigations, tickets, a stale risk, privacy with a
    sign-off, a register sign-off and a report record."""
    system = build_support_assistant(actor=contributor, team=team)
    reconcile_system(system.pk)
    risks = list(Risk.objects.filter(system=system, template__isnull=False).select_related("template", "component")
                 .order_by("template__ref", "component_id"))
    chat = system.components.get(name="Customer chat")
    on_chat = [r for r in risks if r.component_id == chat.pk]
    others = [r for r in risks if r.component_id != chat.pk]

    opened = services.risk_transition(actor=contributor, risk=others[0], status=RiskStatus.OPEN)
    opened = services.risk_update(actor=contributor, risk=opened, owner=contributor, due=in_days(30), likelihood=5)
    services.risk_transition(actor=contributor, risk=others[1], status=RiskStatus.DISMISSED,
                             reason="Covered by the vendor's contract.")
    accepted = services.risk_update(actor=contributor, risk=others[2], owner=contributor)
    accepted = services.risk_accept(actor=owner, risk=accepted, review_date=in_days(90), reason="Low traffic for now.")
    overridden = services.risk_transition(actor=contributor, risk=others[3], status=RiskStatus.OPEN)
    services.risk_set_residual(actor=contributor, risk=overridden, likelihood=1, impact=2,
                               reason="Pen test found nothing.")
    stale_candidate = services.risk_transition(actor=contributor, risk=on_chat[0], status=RiskStatus.OPEN)

    custom = services.risk_create(actor=contributor, system=system, title="Ünïcode café risk ✓ — “quoted”",
                                  description="A custom risk.\nTwo lines.", component=chat, likelihood=2, impact=4,
                                  mappings=["OWASP-LLM-2025:LLM01:2025", "NIST-AI-RMF:MEASURE 2.7"])
    services.risk_transition(actor=contributor, risk=custom, status=RiskStatus.CLOSED)
    system_wide = services.risk_create(actor=contributor, system=system, title="Vendor outage", likelihood=3,
                                       impact=3, treatment="transfer")

    verified = services.mitigation_create(actor=contributor, system=system, control="CTL-001", owner=owner,
                                          due=in_days(14), evidence="Guardrail config reviewed.",
                                          evidence_links=["https://wiki.example.com/guardrail"],
                                          risks=[opened.pk, custom.pk])
    for status in ("in_progress", "implemented", "verified"):
        verified = services.mitigation_transition(actor=contributor, mitigation=verified, status=status)
    rejected = services.mitigation_create(actor=contributor, system=system, title="Second vendor", kind="corrective",
                                          risks=[system_wide.pk])
    services.mitigation_transition(actor=contributor, mitigation=rejected, status="rejected", reason="Too costly.")
    services.mitigation_create(actor=contributor, system=system, title="Unlinked idea")

    services.external_ref_set(actor=contributor, target=opened, tracker="jira", external_id="10001", key="SEC-1",
                              url="https://jira.example.com/browse/SEC-1", remote_status="In Progress",
                              remote_updated_at="2026-01-02T03:04:05+00:00")
    services.external_ref_set(actor=contributor, target=verified, tracker="github", external_id="42", key="#42")

    # The model changes: the open risk on the chat no longer applies and turns stale.
    tm_services.component_update(actor=contributor, component=chat, answers={**chat.answers,
                                                                             "untrusted_content": False})
    reconcile_system(system.pk)
    stale_candidate.refresh_from_db()

    privacy_services.privacy_assessment_save(actor=owner, system=system, values={
        "processing_description": "Answers customers' questions.", "rights_process": "Email the DPO.",
        "regimes": ["gdpr", "ccpa"]}, confirm=["data_subjects"])
    services.review_sign_off(actor=contributor, system=system, role="author", comment="First pass.")
    Report.objects.create(system=system, kind="assurance", status="done", progress=100, stage="done",
                          sha256="a" * 64, content_sha256="b" * 64, size=1234, pages=3, pdf_variant="PDF/A-3b",
                          catalog_version="2026.01.1", requested_by=owner, requested_by_label=owner.username,
                          started_at=timezone.now(), finished_at=timezone.now())
    return system, {"stale": stale_candidate, "accepted": accepted}
