"""The assurance report's content: coverage, register summary, open and overdue items, evidence, sign-offs.

Built in a fixed number of queries whatever the register's size (risks, mitigations, their links,
template and custom mappings, framework items, reviews, the audit chain).
"""

from collections import Counter, defaultdict

from django.utils import timezone

from catalog.models import FrameworkItem, ThreatTemplate

from ... import scoring
from ...models import RISK_ACTIVE, Mitigation, MitigationStatus, Risk, RiskStatus, Treatment
from ...privacy.selectors import privacy_summary
from ...selectors import awaiting_triage, triaged
from ..coverage import MitigationFacts, RiskFacts, capability_coverage, nist_coverage
from .evidence import assurance_scope, org_evidence, register_reviews
from .scope import (
    audit_section,
    catalog_section,
    generated_section,
    iso_date,
    link_list,
    person,
    scope_section,
    stamp,
)

ACTIVE = RISK_ACTIVE  # triaged and still open; suggestions are outside the register until triaged
HIGH_BANDS = ("high", "critical")


def risk_ref(pk) -> str:
    return f"R-{pk}"


def mitigation_ref(pk) -> str:
    return f"M-{pk}"


def _mappings(system, risks) -> dict[int, set]:
    """{risk id: {(framework key, ref)}}: the template's mappings, or the hand-made ones of a custom risk."""
    template_ids = {r.template_id for r in risks if r.template_id}
    by_template: dict[int, set] = defaultdict(set)
    through = ThreatTemplate.mappings.through
    for tid, fw, ref in through.objects.filter(threattemplate_id__in=template_ids).values_list(
            "threattemplate_id", "frameworkitem__framework__key", "frameworkitem__ref"):
        by_template[tid].add((fw, ref))
    custom: dict[int, set] = defaultdict(set)
    for rid, fw, ref in Risk.custom_mappings.through.objects.filter(risk__system=system).values_list(
            "risk_id", "frameworkitem__framework__key", "frameworkitem__ref"):
        custom[rid].add((fw, ref))
    return {r.pk: (by_template[r.template_id] if r.template_id else custom[r.pk]) for r in risks}


def _links(system) -> list[tuple[int, int]]:
    return list(Mitigation.risks.through.objects.filter(mitigation__system=system).values_list("risk_id",
                                                                                                "mitigation_id"))


def risk_row(r: Risk, mitigations_of: dict[int, list[int]]) -> dict:
    return {
        "ref": risk_ref(r.pk),
        "id": r.pk,
        "title": r.title,
        "template": r.template.ref if r.template_id else "",
        "component": r.component.name if r.component_id else "",
        "component_kind": r.component.kind if r.component_id else "system",
        "status": r.status,
        "status_label": r.get_status_display(),
        "stale": r.stale,
        "likelihood": r.likelihood,
        "impact": r.impact,
        "score": r.score,
        "band": r.band,
        "residual_likelihood": r.residual_likelihood,
        "residual_impact": r.residual_impact,
        "residual_score": r.residual_score,
        "residual_band": r.residual_band,
        "treatment": r.treatment,
        "treatment_label": r.get_treatment_display() if r.treatment else "Undecided",
        "owner": r.owner.get_username() if r.owner_id else "",
        "due": iso_date(r.due),
        "overdue": r.is_overdue,
        "late_days": (timezone.localdate() - r.due).days if r.is_overdue and r.due else 0,
        "mitigations": [mitigation_ref(m) for m in sorted(mitigations_of.get(r.pk, []))],
    }


def mitigation_row(m: Mitigation, risks_of: dict[int, list[int]]) -> dict:
    return {
        "ref": mitigation_ref(m.pk),
        "id": m.pk,
        "title": m.title,
        "control": m.control.ref if m.control_id else "",
        "kind": m.kind,
        "status": m.status,
        "status_label": m.get_status_display(),
        "status_reason": m.status_reason,
        "owner": m.owner.get_username() if m.owner_id else "",
        "due": iso_date(m.due),
        "overdue": m.is_overdue,
        "late_days": (timezone.localdate() - m.due).days if m.is_overdue and m.due else 0,
        "evidence": m.evidence,
        "evidence_links": link_list(m.evidence_links),
        "implemented_by": person(m.implemented_by),
        "implemented_at": stamp(m.implemented_at),
        "verified_by": person(m.verified_by),
        "verified_at": stamp(m.verified_at),
        "risks": [risk_ref(r) for r in sorted(risks_of.get(m.pk, []))],
    }


def _nist_subcategories() -> list[dict]:
    items = (FrameworkItem.objects.filter(framework__key="NIST-AI-RMF", kind="subcategory", retired=False)
             .select_related("parent__parent").order_by("position", "id"))
    out = []
    for item in items:
        category = item.parent
        function = category.parent if category is not None else None
        out.append({"ref": item.ref, "title": item.title, "category": category.ref if category else "",
                    "function": function.ref if function else item.ref.split(" ")[0],
                    "function_title": function.title if function else ""})
    return out


def _capabilities() -> list[dict]:
    items = FrameworkItem.objects.filter(framework__key="CAF-AI-SEC", kind="capability", retired=False)
    return [{"ref": i.ref, "title": i.title} for i in items.order_by("position", "id")]


def assurance_content(system, *, generated_by=None, generated_at=None) -> dict:
    team = system.team
    matrix = scoring.matrix_for(team)
    team._risk_matrix_cache = matrix
    register = Risk.objects.filter(system=system)
    risks = list(triaged(register).select_related("component", "template", "owner", "accepted_by").order_by("id"))
    for r in risks:
        r.system = system
    mitigations = list(Mitigation.objects.filter(system=system)
                       .select_related("owner", "control", "implemented_by", "verified_by").order_by("id"))
    mitigations_of: dict[int, list[int]] = defaultdict(list)
    risks_of: dict[int, list[int]] = defaultdict(list)
    for rid, mid in _links(system):
        mitigations_of[rid].append(mid)
        risks_of[mid].append(rid)
    facts_of = {m.pk: MitigationFacts(m.status, bool(m.evidence or m.evidence_links), person(m.verified_by))
                for m in mitigations}
    mappings = _mappings(system, risks)

    facts = [RiskFacts(r.pk, r.status, r.treatment, frozenset(mappings[r.pk]),
                       tuple(facts_of[m] for m in mitigations_of.get(r.pk, []) if m in facts_of),
                       closing_evidence=r.status_reason if r.status == RiskStatus.CLOSED else "",
                       accepted_by=person(r.accepted_by), accepted_until=iso_date(r.acceptance_review_date),
                       ref=risk_ref(r.pk)) for r in risks]
    privacy = privacy_summary(system)
    reviews = register_reviews(system)
    evidence, checklist = org_evidence(system, reviews, privacy)
    nist = nist_coverage(facts, _nist_subcategories(), evidence)
    capabilities = capability_coverage(facts, _capabilities())

    rows = [risk_row(r, mitigations_of) for r in risks]
    active = [row for row in rows if row["status"] in ACTIVE]
    by_status = Counter(row["status"] for row in rows)
    inherent_bands = Counter(row["band"] for row in active)
    residual_bands = Counter(row["residual_band"] for row in active)
    key = lambda row: (-(row["residual_score"] or 0), row["due"] or "9999", row["id"])  # noqa: E731
    open_high = sorted((row for row in active if row["residual_band"] in HIGH_BANDS), key=key)
    mitigation_rows = [mitigation_row(m, risks_of) for m in mitigations]
    accepted = []
    for r in risks:
        if r.treatment == Treatment.ACCEPT and r.status in ACTIVE:
            accepted.append({"ref": risk_ref(r.pk), "title": r.title, "owner": person(r.owner),
                             "approver": person(r.accepted_by), "accepted_at": stamp(r.accepted_at),
                             "review_date": iso_date(r.acceptance_review_date), "reason": r.acceptance_reason,
                             "expired": r.acceptance_expired, "residual_band": r.residual_band})
    today = timezone.localdate()
    named = [*(r.owner for r in risks), *(r.accepted_by for r in risks), *(m.owner for m in mitigations),
             *(m.implemented_by for m in mitigations), *(m.verified_by for m in mitigations), system.owner]
    people = {u.get_username(): person(u) for u in named if u is not None}
    for label in (*(r["user"] for r in reviews["items"]), privacy.get("signed_off_by"), privacy.get("dpo_advice_by"),
                  privacy.get("measures_approved_by"), privacy.get("residual_approved_by"),
                  *(row["by"] for row in checklist)):
        if label and not any(label in (k, v) for k, v in people.items()):
            people[label] = label
    return {
        "kind": "assurance",
        "title": f"Assurance report: {system.name}",
        "system": scope_section(system),
        "scope": assurance_scope(system),
        "catalog": catalog_section(system),
        "nist": nist,
        "checklist": checklist,
        "capabilities": capabilities,
        "register": {
            "total": len(rows),
            "active": len(active),
            "awaiting_triage": awaiting_triage(register).count(),
            "by_status": [{"status": s, "label": label, "count": by_status.get(s, 0)}
                          for s, label in RiskStatus.choices if s != RiskStatus.SUGGESTED],
            "by_band": [{"band": b, "label": scoring.BAND_LABELS[b], "inherent": inherent_bands.get(b, 0),
                         "residual": residual_bands.get(b, 0)} for b in scoring.BANDS],
            "heat_inherent": scoring.heat_map(((r["likelihood"], r["impact"]) for r in active), matrix),
            "heat_residual": scoring.heat_map(((r["residual_likelihood"], r["residual_impact"]) for r in active),
                                              matrix),
            "stale": sum(1 for row in rows if row["stale"]),
            "mitigations_total": len(mitigation_rows),
            "mitigations_by_status": [{"status": s, "label": label,
                                       "count": sum(1 for m in mitigation_rows if m["status"] == s)}
                                      for s, label in MitigationStatus.choices],
        },
        "open_high": open_high,
        "overdue": {"risks": [row for row in active if row["overdue"]],
                    "mitigations": [m for m in mitigation_rows if m["overdue"]], "as_of": today.isoformat()},
        "accepted": accepted,
        "mitigations": mitigation_rows,
        "risks": rows,
        "people": [{"username": k, "name": v} for k, v in sorted(people.items())],
        "reviews": reviews,
        "privacy": privacy,
        "audit": audit_section(system),
        "generated": generated_section(generated_by, generated_at),
    }
