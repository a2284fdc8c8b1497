"""Framework coverage from the register: NIST AI RMF subcategories and the AI security capabilities.

The rule (printed in the assurance report):

- the risks considered for a framework item are the system's risks mapped to it (through their
  threat template, or by hand for a custom risk), dismissed ones left out;
- a risk is *covered* when it has an implemented or verified mitigation, or it is closed or accepted
  (a decision with an approver and a review date); *planned* when it has a proposed, planned or
  in-progress mitigation; otherwise it is a *gap*;
- an item is **covered** when every risk considered is covered, **planned** when none is a gap but some
  are only planned, and a **gap** when some risk is a gap or no risk in the register is mapped to it.

Pure functions over plain values.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from threatmodel.models import ComponentKind

DONE = frozenset({"implemented", "verified"})
UNDERWAY = frozenset({"proposed", "planned", "in_progress"})
STATUSES = ("covered", "planned", "gap")


@dataclass(frozen=True)
class RiskFacts:
    id: int
    status: str
    treatment: str
    items: frozenset  # {(framework_key, ref)}
    mitigation_statuses: tuple[str, ...]


def risk_state(risk: RiskFacts) -> str:
    if any(s in DONE for s in risk.mitigation_statuses) or risk.status == "closed" or risk.treatment == "accept":
        return "covered"
    if any(s in UNDERWAY for s in risk.mitigation_statuses):
        return "planned"
    return "gap"


def item_coverage(risks: Iterable[RiskFacts], framework: str, refs: Iterable[str]) -> dict[str, dict]:
    """{ref: {status, risks, covered, planned, gap, mitigations_done, mitigations_underway, reason}}."""
    refs = list(refs)
    by_ref: dict[str, list[RiskFacts]] = {ref: [] for ref in refs}
    for risk in risks:
        if risk.status == "dismissed":
            continue
        for fw, ref in risk.items:
            if fw == framework and ref in by_ref:
                by_ref[ref].append(risk)
    out = {}
    for ref in refs:
        considered = by_ref[ref]
        states = [risk_state(r) for r in considered]
        counts = {s: states.count(s) for s in STATUSES}
        done = sum(1 for r in considered for s in r.mitigation_statuses if s in DONE)
        underway = sum(1 for r in considered for s in r.mitigation_statuses if s in UNDERWAY)
        plural = "s" if len(considered) != 1 else ""
        if not considered:
            status, reason = "gap", "no risk in the register is mapped here"
        elif counts["gap"]:
            status = "gap"
            reason = f"{counts['gap']} of {len(considered)} risk{plural} without mitigation"
        elif counts["planned"]:
            status = "planned"
            reason = f"{counts['planned']} of {len(considered)} risk{plural} with mitigation still under way"
        else:
            status = "covered"
            reason = f"all {len(considered)} risk{plural} covered"
        out[ref] = {"status": status, "risks": len(considered), **counts, "mitigations_done": done,
                    "mitigations_underway": underway, "reason": reason}
    return out


def nist_coverage(risks: list[RiskFacts], subcategories: list[Mapping]) -> dict:
    """``subcategories``: [{ref, title, function}] (all 72) -> {"items": [...], "functions": [...], "totals": {...}}."""
    cov = item_coverage(risks, "NIST-AI-RMF", [s["ref"] for s in subcategories])
    items = [{**dict(s), **cov[s["ref"]]} for s in subcategories]
    functions: dict[str, dict] = {}
    for item in items:
        fn = functions.setdefault(item["function"], {"key": item["function"], "title": item.get("function_title", ""),
                                                      "covered": 0, "planned": 0, "gap": 0, "total": 0})
        fn[item["status"]] += 1
        fn["total"] += 1
    totals = {s: sum(f[s] for f in functions.values()) for s in STATUSES}
    totals["total"] = len(items)
    return {"items": items, "functions": list(functions.values()), "totals": totals}


def capability_coverage(risks: list[RiskFacts], capabilities: list[Mapping]) -> list[dict]:
    """``capabilities``: [{ref, title}] of the capability items -> rows with one cell per lane."""
    refs = [f"{c['ref']}/{lane}" for c in capabilities for lane in ComponentKind.values]
    cov = item_coverage(risks, "CAF-AI-SEC", refs)
    lanes = ComponentKind.values
    return [{"ref": c["ref"], "title": c["title"],
             "cells": [{"lane": lane, **cov[f"{c['ref']}/{lane}"]} for lane in lanes]} for c in capabilities]
