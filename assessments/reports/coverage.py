"""Framework coverage from the register: NIST AI RMF subcategories and the AI security capabilities.

The rule (printed in the assurance report and in docs/reports.md):

- the risks considered for a framework item are the system's risks mapped to it (through their
  threat template, or by hand for a custom risk), dismissed ones left out;
- a risk is **covered** when a mitigation linked to it is verified (implemented, with evidence and a
  named verifier), or when it is closed with evidence (the closing reason says what shows it);
  **accepted** when its treatment is an accepted risk (shown as "accepted by X until Y", never as
  covered); **planned** when a mitigation is under way or implemented but not yet verified;
  otherwise a **gap**;
- an item is **covered** when every risk considered is covered; a **gap** when any risk is a gap;
  **planned** when some risk is planned; **accepted** when the rest are accepted;
- an item no risk maps to is **not assessed**, unless the organisation recorded evidence for it
  (``GovernanceEvidence``, a current register sign-off, a signed-off DPIA): then it is covered by that
  evidence. "Not assessed" is never counted as a gap, nor as covered.

Pure functions over plain values.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from threatmodel.models import ComponentKind

VERIFIED = "verified"
UNDERWAY = frozenset({"proposed", "planned", "in_progress", "implemented"})
RISK_STATES = ("covered", "accepted", "planned", "gap")
NOT_CONSIDERED = frozenset({"dismissed", "suggested"})  # left out of coverage: not decided, or decided against
STATUSES = ("covered", "accepted", "planned", "gap", "not_assessed")
STATUS_LABELS = {"covered": "covered", "accepted": "accepted", "planned": "planned", "gap": "gap",
                 "not_assessed": "not assessed"}
LANES = tuple(ComponentKind.values)


@dataclass(frozen=True)
class MitigationFacts:
    status: str
    has_evidence: bool = False
    verifier: str = ""


@dataclass(frozen=True)
class RiskFacts:
    id: int
    status: str
    treatment: str
    items: frozenset  # {(framework_key, ref)}
    mitigations: tuple[MitigationFacts, ...] = ()
    closing_evidence: str = ""
    accepted_by: str = ""
    accepted_until: str = ""
    ref: str = ""


@dataclass(frozen=True)
class OrgEvidence:
    """Evidence recorded for an item at the organisation level (or a sign-off that counts as evidence)."""

    ref: str
    source: str
    statement: str
    by: str = ""
    links: tuple[str, ...] = field(default_factory=tuple)


def risk_state(risk: RiskFacts) -> str:
    if any(m.status == VERIFIED and m.has_evidence and m.verifier for m in risk.mitigations):
        return "covered"
    if risk.status == "closed" and risk.closing_evidence.strip():
        return "covered"
    if risk.treatment == "accept" and risk.status != "closed":
        return "accepted"
    if any(m.status in UNDERWAY or m.status == VERIFIED for m in risk.mitigations):
        return "planned"
    return "gap"


def _accepted_note(risk: RiskFacts) -> str:
    by = risk.accepted_by or "an unnamed approver"
    until = risk.accepted_until or "no review date"
    return f"{risk.ref or f'R-{risk.id}'} accepted by {by} until {until}"


def item_coverage(risks: Iterable[RiskFacts], framework: str, refs: Iterable[str],
                  evidence: Mapping[str, list[OrgEvidence]] | None = None) -> dict[str, dict]:
    """{ref: {status, status_label, risks, covered, accepted, planned, gap, accepted_notes, evidence, reason}}."""
    refs = list(refs)
    evidence = evidence or {}
    by_ref: dict[str, list[RiskFacts]] = {ref: [] for ref in refs}
    for risk in risks:
        if risk.status in NOT_CONSIDERED:
            continue
        for fw, ref in risk.items:
            if fw == framework and ref in by_ref:
                by_ref[ref].append(risk)
    out = {}
    for ref in refs:
        considered = by_ref[ref]
        states = [risk_state(r) for r in considered]
        counts = {s: states.count(s) for s in RISK_STATES}
        org = [{"source": e.source, "statement": e.statement, "by": e.by, "links": list(e.links)}
               for e in evidence.get(ref, [])]
        n = len(considered)
        plural = "s" if n != 1 else ""
        if not considered:
            if org:
                status, reason = "covered", "organisation-level evidence: " + "; ".join(e["source"] for e in org)
            else:
                status, reason = "not_assessed", "no risk in the register maps here and no evidence is recorded"
        elif counts["gap"]:
            status, reason = "gap", f"{counts['gap']} of {n} risk{plural} without mitigation"
        elif counts["planned"]:
            status = "planned"
            reason = f"{counts['planned']} of {n} risk{plural} with a mitigation not yet verified"
        elif counts["accepted"]:
            status = "accepted"
            reason = f"{counts['accepted']} of {n} risk{plural} accepted, not mitigated"
        else:
            status, reason = "covered", f"all {n} risk{plural} covered by verified evidence"
        accepted_notes = [_accepted_note(r) for r, s in zip(considered, states, strict=True) if s == "accepted"]
        out[ref] = {"status": status, "status_label": STATUS_LABELS[status], "risks": n, **counts,
                    "accepted_notes": accepted_notes, "evidence": org, "reason": reason}
    return out


def _totals(items: list[dict]) -> dict:
    totals = {s: sum(1 for i in items if i["status"] == s) for s in STATUSES}
    totals["total"] = len(items)
    return totals


def nist_coverage(risks: list[RiskFacts], subcategories: list[Mapping],
                  evidence: Mapping[str, list[OrgEvidence]] | None = None) -> dict:
    """``subcategories``: [{ref, title, function}] (all 72) -> {"items": [...], "functions": [...], "totals": {...}}."""
    cov = item_coverage(risks, "NIST-AI-RMF", [s["ref"] for s in subcategories], evidence)
    items = [{**dict(s), **cov[s["ref"]]} for s in subcategories]
    functions: dict[str, dict] = {}
    for item in items:
        fn = functions.setdefault(item["function"], {"key": item["function"], "title": item.get("function_title", ""),
                                                      **dict.fromkeys(STATUSES, 0), "total": 0})
        fn[item["status"]] += 1
        fn["total"] += 1
    return {"items": items, "functions": list(functions.values()), "totals": _totals(items)}


def capability_coverage(risks: list[RiskFacts], capabilities: list[Mapping]) -> list[dict]:
    """``capabilities``: [{ref, title}] of the capability items -> rows with one cell per lane."""
    refs = [f"{c['ref']}/{lane}" for c in capabilities for lane in ComponentKind.values]
    cov = item_coverage(risks, "CAF-AI-SEC", refs)
    lanes = ComponentKind.values
    return [{"ref": c["ref"], "title": c["title"],
             "cells": [{"lane": lane, **cov[f"{c['ref']}/{lane}"]} for lane in lanes]} for c in capabilities]
