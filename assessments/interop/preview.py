"""The preview of an import: what will be created or updated, and what could not be mapped and why.

Built from a prepared plan and (for a model imported before) the system it updates. Plain JSON:
the page renders it and the API returns it as is.
"""

from threatmodel.models import AISystem, Component, ComponentKind, DataFlow

from ..models import ImportRecord, Mitigation, Risk
from .detect import FORMAT_LABELS
from .prepare import Prepared


def answers_text(answers: dict) -> list[str]:
    """Answers as short text for the page: yes/no for booleans, lists joined."""
    def show(value) -> str:
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return "unknown" if value is None else str(value)

    return [f"{key}: {show(value)}" for key, value in answers.items()]


IDENTITY_TEXT = {
    "same_file": "the same file (SHA-256) was imported before",
    "same_elements": "the same model: the same name and element ids in common with the earlier import",
    "name_only": "only the name matches (no element id in common): by default this makes a new system; "
                 "choose update to merge it into the earlier one",
}
SECTION_MODELS = {"components": Component, "flows": DataFlow, "risks": Risk, "mitigations": Mitigation}


def existing_objects(system: AISystem | None, mapping: dict | None) -> dict[str, dict[str, object]]:
    """{section: {source_id: object}} for the earlier import's objects that still exist in ``system``."""
    out: dict[str, dict[str, object]] = {s: {} for s in SECTION_MODELS}
    if system is None or not mapping:
        return out
    for section, model in SECTION_MODELS.items():
        ids = {str(k): v for k, v in (mapping.get(section) or {}).items()}
        if not ids:
            continue
        found = model.objects.filter(system=system, pk__in=set(ids.values())).in_bulk()
        out[section] = {source_id: found[pk] for source_id, pk in ids.items() if pk in found}
    return out


def kind_defaults(prepared_plan, existing: dict) -> dict[str, str]:
    """Kinds before the person chooses: the team's earlier choice for a component imported before."""
    components = existing.get("components", {})
    return {c.source_id: components[c.source_id].kind for c in prepared_plan.components if c.source_id in components}


def build(record: ImportRecord, prepared: Prepared, *, target: AISystem | None, existing: dict,
          earlier: ImportRecord | None) -> dict:
    plan = prepared.plan
    names = {c.source_id: c.name for c in plan.components}
    risk_titles = {r.source_id: r.title for r in plan.risks}

    def action(section: str, source_id: str) -> str:
        return "update" if source_id in existing[section] else "create"

    components = [{
        "id": c.source_id, "path": c.path, "name": c.name, "description": c.description[:500],
        "kind": prepared.kinds[c.source_id], "proposed_kind": c.kind, "kind_reason": c.kind_reason,
        "kind_confirmed": c.kind_confirmed, "kind_ask": c.kind_ask and c.source_id not in existing["components"],
        "answers": prepared.component_answers[c.source_id],
        "answers_text": answers_text(prepared.component_answers[c.source_id]),
        "action": action("components", c.source_id),
        "current_kind": getattr(existing["components"].get(c.source_id), "kind", None),
    } for c in plan.components]
    flows = [{
        "id": f.source_id, "path": f.path, "source": f.source, "target": f.target, "source_name": names[f.source],
        "target_name": names[f.target], "label": f.label, "answers": prepared.flow_answers[f.source_id],
        "answers_text": answers_text(prepared.flow_answers[f.source_id]),
        "reasons": f.reasons, "action": action("flows", f.source_id),
    } for f in plan.flows]
    risks = []
    for r in plan.risks:
        current = existing["risks"].get(r.source_id)
        component = prepared.risk_components[r.source_id]
        risks.append({
            "id": r.source_id, "path": r.path, "title": r.title, "component": component,
            "component_name": names.get(component) if component else None, "status": r.status,
            "likelihood": r.likelihood, "impact": r.impact, "score_rule": r.score_rule, "template": r.template,
            "mappings": [f"{i.framework.key}:{i.ref}" for i in prepared.mappings[r.source_id]],
            "action": action("risks", r.source_id),
            "status_change": (f"{current.status} → {r.status}" if current is not None and current.status != r.status
                              else ""),
        })
    mitigations = [{
        "id": m.source_id, "path": m.path, "title": m.title, "status": m.status, "control": m.control,
        "risks": [risk_titles[r] for r in prepared.mitigation_risks[m.source_id]],
        "action": action("mitigations", m.source_id),
    } for m in plan.mitigations]
    counts = {"create": {}, "update": {}}
    for section, rows in (("components", components), ("flows", flows), ("risks", risks),
                          ("mitigations", mitigations)):
        for row in rows:
            counts[row["action"]][section] = counts[row["action"]].get(section, 0) + 1
    gone = {}
    if earlier is not None:
        present = {"components": {c.source_id for c in plan.components}, "flows": {f.source_id for f in plan.flows},
                   "risks": {r.source_id for r in plan.risks}, "mitigations": {m.source_id for m in plan.mitigations}}
        for section, objects in existing.items():
            left = [str(obj) for source_id, obj in objects.items() if source_id not in present[section]]
            if left:
                gone[section] = left
    update = None
    if earlier is not None and earlier.system is not None:
        identity = (record.summary or {}).get("identity") or "same_elements"
        update = {"system": {"id": earlier.system.pk, "name": earlier.system.name}, "import": {
            "id": earlier.pk, "filename": earlier.filename,
            "applied_at": earlier.applied_at.isoformat() if earlier.applied_at else None},
            "same_file": earlier.sha256 == record.sha256, "identity": identity,
            "identity_text": IDENTITY_TEXT.get(identity, ""),
            "default_mode": "new" if identity == "name_only" else "update", "applies": target is not None}
    extras = plan.extras
    return {
        "id": record.pk, "status": record.status, "format": plan.format,
        "format_label": FORMAT_LABELS.get(plan.format, plan.format), "filename": record.filename,
        "size": record.size, "sha256": record.sha256,
        "system": {"name": plan.system.name, "description": plan.system.description[:2000],
                   "lifecycle_stage": plan.system.lifecycle_stage, "answers": prepared.system_answers},
        "update": update, "kinds": list(ComponentKind.values),
        "kind_asks": sum(1 for c in components if c["kind_ask"]),
        "names_no_model": bool(components) and all(c["kind"] != "model" for c in components),
        "components": components, "flows": flows, "risks": risks, "mitigations": mitigations,
        "external_refs": len(plan.refs),
        "restores": {"privacy_assessment": "privacy" in extras, "reviews": len(extras.get("reviews", [])),
                     "reports": len(extras.get("reports", []))} if plan.format == "system-export" else None,
        "counts": counts, "no_longer_in_file": gone,
        "notes": [{"path": n.path, "message": n.message, "level": n.level} for n in prepared.notes],
    }
