"""A system as an Open Threat Model (OTM 0.2.0) document, so that other tools can read our models.

- the system -> ``project`` (id: its slug); one trust zone for the system itself (OTM requires every
  component to sit in one); components -> components (``type`` ai-input / ai-model / ai-output, the
  answers as string attributes); flows -> data flows (``crossesTrustBoundary`` and the other answers as
  attributes, ``https`` tagged when encrypted in transit);
- risks -> threats (likelihood and impact 1..5 -> 0, 25, 50, 75, 100, the inverse of the import rule),
  each placed on its component as a threat instance with a state: suggested / open -> exposed,
  mitigating -> partlyMitigated, closed -> mitigated, dismissed -> notApplicable; a system-wide risk is
  listed without an instance;
- mitigations -> mitigations (riskReduction: 100 verified, 75 implemented, else 0) and mitigation
  instances on each linked risk's instance: proposed -> recommended, planned / in progress -> required,
  implemented / verified -> implemented, rejected -> rejected.

Importing this file with the OTM importer gives back the components, flows, risks and mitigations.
"""

from threatmodel.models import AISystem

from ..models import Mitigation, Risk
from .rules import level_percent

THREAT_STATES = {"suggested": "exposed", "open": "exposed", "mitigating": "partlyMitigated", "closed": "mitigated",
                 "dismissed": "notApplicable"}
MITIGATION_STATES = {"proposed": "recommended", "planned": "required", "in_progress": "required",
                     "implemented": "implemented", "verified": "implemented", "rejected": "rejected"}
RISK_REDUCTION = {"verified": 100, "implemented": 75}


NAMED_ZONE = "named-trust-zone"  # the type of a zone a team named (read back as the component's trust_zone)


def _attributes(answers: dict) -> dict:
    out = {}
    for key, value in sorted((answers or {}).items()):
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, list):
            out[key] = ", ".join(str(v) for v in value)
        elif value is not None:
            out[key] = str(value)
    return out


def export_otm(system: AISystem) -> dict:
    system = AISystem.objects.select_related("team", "owner").get(pk=system.pk)
    zone = f"{system.slug}-zone"
    components = list(system.components.order_by("kind", "position", "id"))
    named = {}  # a named trust zone -> its OTM id, in the order the components name them
    for c in components:
        if c.trust_zone and c.trust_zone not in named:
            named[c.trust_zone] = f"{zone}-{len(named) + 1}"
    risks = list(Risk.objects.filter(system=system).select_related("template", "component")
                 .prefetch_related("custom_mappings__framework", "template__mappings__framework").order_by("id"))
    mitigations = list(Mitigation.objects.filter(system=system).prefetch_related("risks").order_by("id"))
    links: dict[int, list[dict]] = {}
    for m in mitigations:
        for risk in m.risks.all():
            links.setdefault(risk.pk, []).append({"mitigation": f"mitigation-{m.pk}",
                                                  "state": MITIGATION_STATES[m.status]})
    instances: dict[int, list[dict]] = {}
    for risk in risks:
        if risk.component_id:
            instances.setdefault(risk.component_id, []).append({
                "threat": f"risk-{risk.pk}", "state": THREAT_STATES.get(risk.status, "exposed"),
                "mitigations": links.get(risk.pk, [])})
    return {
        "otmVersion": "0.2.0",
        "project": {
            "name": system.name, "id": system.slug, "description": system.description or None,
            "owner": system.owner.get_username() if system.owner_id else None, "tags": ["ai-threat-register"],
            "attributes": {"lifecycle_stage": system.lifecycle_stage, **_attributes(system.answers)},
        },
        "representations": [],
        "trustZones": [{"id": zone, "name": system.name, "type": "system",
                        "description": "The AI system as modeled in AI Threat Register.",
                        "risk": {"trustRating": 100}}] + [
            {"id": zone_id, "name": name, "type": NAMED_ZONE, "parent": {"trustZone": zone},
             "description": "A trust zone named in AI Threat Register.", "risk": {"trustRating": 100}}
            for name, zone_id in named.items()],
        "components": [{
            "id": f"component-{c.pk}", "name": c.name, "type": f"ai-{c.kind}", "description": c.description or None,
            "parent": {"trustZone": named.get(c.trust_zone, zone)}, "tags": [c.kind],
            "attributes": _attributes(c.answers),
            "threats": instances.get(c.pk, []),
        } for c in components],
        "dataflows": [{
            "id": f"flow-{f.pk}", "name": f.label or f"{f.source.name} → {f.target.name}",
            "source": f"component-{f.source_id}", "destination": f"component-{f.target_id}", "bidirectional": False,
            "tags": ["https"] if (f.answers or {}).get("encrypted_in_transit") else [],
            "attributes": {("crossesTrustBoundary" if k == "crosses_trust_boundary" else k): v
                           for k, v in _attributes(f.answers).items()},
        } for f in system.flows.select_related("source", "target").order_by("id")],
        "threats": [{
            "id": f"risk-{r.pk}", "name": r.title, "description": r.description or None,
            "categories": [r.template.category] if r.template_id else ["custom"],
            "cwes": [],
            "risk": {"likelihood": level_percent(r.likelihood), "impact": level_percent(r.impact)},
            "tags": [f"{i.framework.key}:{i.ref}" for i in r.mappings],
            "attributes": {"status": r.status, "statusReason": r.status_reason,
                           "template": r.template.ref if r.template_id else "",
                           "residualLikelihood": str(r.residual_likelihood),
                           "residualImpact": str(r.residual_impact)},
        } for r in risks],
        "mitigations": [{
            "id": f"mitigation-{m.pk}", "name": m.title, "description": m.description or None,
            "riskReduction": RISK_REDUCTION.get(m.status, 0), "attributes": {"status": m.status, "kind": m.kind},
        } for m in mitigations],
    }
