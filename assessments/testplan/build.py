"""Building the test plan of one system from its register and the catalog templates.

One entry per active catalog risk (suggested, open or mitigating; dismissed and closed ones are
left out), in register order, each with the threat's probes, detection signals and log sources.
Custom risks have no probes and are not listed.
"""

import csv
import io

from django.utils import timezone

from catalog.models import ThreatTemplate

from ..models import Risk, RiskStatus

ACTIVE = (RiskStatus.SUGGESTED, RiskStatus.OPEN, RiskStatus.MITIGATING)
CSV_COLUMNS = ("risk_id", "threat", "title", "component", "status", "likelihood", "impact", "probe", "kind",
               "check", "payload", "expect", "detection_signals", "log_sources")
PLAN_VERSION = 1


def build_test_plan(system) -> dict:
    risks = (Risk.objects.filter(system=system, template__isnull=False, status__in=ACTIVE)
             .select_related("component")
             .only("id", "title", "status", "likelihood", "impact", "template_id", "component__name",
                   "component__kind").order_by("id"))
    risks = list(risks)
    templates = {t.pk: t for t in ThreatTemplate.objects.filter(pk__in={r.template_id for r in risks}).only(
        "id", "ref", "title", "probes", "detection", "references")}
    entries = []
    for risk in risks:
        template = templates[risk.template_id]
        detection = template.detection or {}
        entries.append({
            "risk_id": risk.pk,
            "threat": template.ref,
            "title": risk.title,
            "component": ({"name": risk.component.name, "kind": risk.component.kind} if risk.component_id else None),
            "status": risk.status,
            "likelihood": risk.likelihood,
            "impact": risk.impact,
            "probes": [dict(p) for p in template.probes or []],
            "detection": {"signals": list(detection.get("signals", [])),
                          "log_sources": list(detection.get("log_sources", []))},
            "references": [dict(r) for r in template.references or []],
        })
    return {"plan_version": PLAN_VERSION, "system": {"id": system.pk, "name": system.name},
            "generated_at": timezone.now().isoformat(), "entries": entries,
            "counts": {"risks": len(entries), "probes": sum(len(e["probes"]) for e in entries),
                       "automated": sum(1 for e in entries for p in e["probes"] if p.get("kind") == "automated")}}


def _cell(value: str) -> str:
    """Spreadsheet-safe text: a cell starting with = + - @ is read as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def test_plan_csv(plan: dict) -> str:
    """One row per probe (a risk without probes still gets one row, so nothing is hidden)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for e in plan["entries"]:
        component = e["component"]["name"] if e["component"] else "(system)"
        signals = "; ".join(e["detection"]["signals"])
        sources = "; ".join(e["detection"]["log_sources"])
        probes = e["probes"] or [{}]
        for n, probe in enumerate(probes, start=1):
            writer.writerow([e["risk_id"], e["threat"], _cell(e["title"]), _cell(component), e["status"],
                             e["likelihood"], e["impact"], n if probe else "", probe.get("kind", ""),
                             _cell(probe.get("check", "")), _cell(probe.get("payload", "")),
                             _cell(probe.get("expect", "")), _cell(signals), _cell(sources)])
    return out.getvalue()
