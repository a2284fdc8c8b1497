"""Evidence beyond the register for the assurance report: the organisation-level checklist, sign-offs
that count as evidence, register sign-offs with their staleness, and the report's scope (versions, period).
"""

from collections import defaultdict

from django.utils import timezone

from ...models import (
    ORG_CHECKLIST,
    SCOPE_COMPONENT_KINDS,
    AssuranceScope,
    GovernanceEvidence,
    Review,
    ReviewDecision,
    ReviewRole,
)
from ...snapshot import register_hash, register_snapshot
from ..coverage import OrgEvidence
from .scope import iso_date, person, stamp

# Sign-offs that are themselves evidence for a subcategory.
REGISTER_SIGN_OFF_REFS = ("GOVERN 2.3",)  # executives own decisions on AI risk: an approved register
DPIA_REFS = ("MEASURE 2.10",)  # privacy risk examined and documented: a signed-off DPIA
CONSULTATION_REFS = ("MAP 5.2",)  # stakeholders engaged: the DPIA's consultation, when recorded


def register_reviews(system) -> dict:
    """Every sign-off of the register, each marked stale when the register changed after it."""
    current = register_hash(register_snapshot(system))
    rows = []
    for r in Review.objects.filter(system=system).select_related("user").order_by("round", "id"):
        stale = r.register_hash != current
        rows.append({"round": r.round, "role": r.get_role_display(), "role_key": r.role,
                     "decision": r.get_decision_display(), "decision_key": r.decision,
                     "user": r.user_label if r.user_id is None else person(r.user), "comment": r.comment,
                     "at": stamp(r.created_at), "catalog_version": r.catalog_version,
                     "register_hash": r.register_hash, "stale": stale})
    last_round = max((r["round"] for r in rows), default=0)
    latest = [r for r in rows if r["round"] == last_round]
    approved = [r for r in latest if r["role_key"] in (ReviewRole.APPROVER, ReviewRole.PUBLISHER)
                and r["decision_key"] == ReviewDecision.SIGNED]
    return {"current_hash": current, "items": rows, "any_stale": any(r["stale"] for r in latest),
            "approved_current": bool(approved) and not any(r["stale"] for r in approved),
            "approved_by": [r["user"] for r in approved]}


def org_evidence(system, reviews: dict, privacy: dict) -> tuple[dict[str, list[OrgEvidence]], list[dict]]:
    """({ref: [OrgEvidence]}, the checklist rows) for the team of ``system``."""
    by_ref: dict[str, list[OrgEvidence]] = defaultdict(list)
    entries = {e.ref: e for e in GovernanceEvidence.objects.filter(team=system.team).select_related("recorded_by")}
    today = timezone.localdate()
    checklist = []
    for ref in ORG_CHECKLIST:
        e = entries.get(ref)
        expired = bool(e and e.review_date and e.review_date < today)
        if e and (e.statement or e.evidence_links) and not expired:
            by_ref[ref].append(OrgEvidence(ref, "organisation checklist", e.statement, person(e.recorded_by),
                                           tuple(e.evidence_links or ())))
        checklist.append({"ref": ref, "recorded": e is not None, "statement": e.statement if e else "",
                          "links": list(e.evidence_links or []) if e else [],
                          "by": person(e.recorded_by) if e else "", "at": stamp(e.updated_at) if e else "",
                          "review_date": iso_date(e.review_date) if e else "", "expired": expired})
    if reviews["approved_current"]:
        for ref in REGISTER_SIGN_OFF_REFS:
            by_ref[ref].append(OrgEvidence(ref, "register sign-off", "The current register is approved",
                                           ", ".join(reviews["approved_by"])))
    if privacy.get("signed_off"):
        for ref in DPIA_REFS:
            by_ref[ref].append(OrgEvidence(ref, "DPIA sign-off", "The privacy assessment (DPIA) is signed off",
                                           privacy.get("signed_off_by", "")))
    if privacy.get("consulted"):
        for ref in CONSULTATION_REFS:
            by_ref[ref].append(OrgEvidence(ref, "DPIA consultation", "People affected and experts were consulted",
                                           ""))
    return dict(by_ref), checklist


def assurance_scope(system) -> dict:
    """Versions in scope and the reporting period; what is not recorded is said to be missing."""
    scope = AssuranceScope.objects.filter(system=system).first()
    versions = {str(k): v for k, v in (scope.component_versions if scope else {}).items()}
    components = [{"id": c.pk, "name": c.name, "kind": c.kind, "version": versions.get(str(c.pk), "")}
                  for c in system.components.order_by("kind", "position", "id") if c.kind in SCOPE_COMPONENT_KINDS]
    start = scope.period_start if scope and scope.period_start else None
    end = scope.period_end if scope and scope.period_end else None
    return {"system_version": scope.system_version if scope else "",
            "models": [c for c in components if c["kind"] == "model"],
            "datasets": [c for c in components if c["kind"] == "input"],
            "period_start": iso_date(start), "period_end": iso_date(end),
            "missing": [label for label, value in (("system version", scope and scope.system_version),
                                                   ("reporting period", start and end)) if not value]
            + [f"version of {c['name']}" for c in components if not c["version"]]}
