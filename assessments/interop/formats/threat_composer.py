"""AWS Threat Composer workspaces (``.tc.json``, schema 1).

A workspace has no diagram elements, so it makes a system without components (the team adds them,
or keeps the threats system-wide):

- ``applicationInfo`` -> the system's name and description; the architecture and data-flow
  descriptions and the assumptions are appended to it (the embedded diagram images are not imported);
- threats -> custom risks on the whole system. The title is the threat statement; the description
  keeps every part of the threat grammar (source, prerequisites, action, impact, impacted goals and
  assets), the STRIDE letters, comments and linked assumptions. Priority -> likelihood x impact by
  ``rules.severity_levels``. Status threatIdentified -> open, threatResolved -> closed,
  threatResolvedNotUseful -> dismissed;
- tags naming an OWASP LLM or ML Top 10 entry or an ATLAS id (e.g. "LLM01 Prompt Injection") become
  mappings to those framework items; other tags are kept in the description;
- mitigations -> mitigations, linked through ``mitigationLinks``; status mitigationIdentified ->
  proposed, mitigationInProgress -> in progress, mitigationResolved -> implemented,
  mitigationResolvedWillNotAction -> rejected.
"""

from ..plan import MitigationSpec, Plan, RiskSpec, SystemSpec
from ..reader import Node, type_name
from ..rules import clean, framework_refs, one_line, severity_levels, truncate

FORMAT = "threat-composer"
LABEL = "AWS Threat Composer"
BLOBS = (("architecture", "image"), ("dataflow", "image"))

THREAT_STATUSES = {"threatidentified": "open", "threatresolved": "closed", "threatresolvednotuseful": "dismissed"}
MITIGATION_STATUSES = {"mitigationidentified": "proposed", "mitigationinprogress": "in_progress",
                       "mitigationresolved": "implemented", "mitigationresolvedwillnotaction": "rejected"}
STRIDE = {"S": "Spoofing", "T": "Tampering", "R": "Repudiation", "I": "Information disclosure",
          "D": "Denial of service", "E": "Elevation of privilege"}


def looks_like(doc) -> bool:
    return isinstance(doc, dict) and "schema" in doc and any(
        k in doc for k in ("applicationInfo", "threats", "mitigations", "assumptions"))


def _metadata(item: Node) -> dict[str, object]:
    """``metadata: [{key, value}]`` as a dict (value text or a list of text)."""
    out: dict[str, object] = {}
    for entry in item.array("metadata"):
        if entry.is_null:
            continue
        key = entry.text("key", required=True)
        value = entry.get("value").value
        if isinstance(value, list):
            if not all(isinstance(v, str) for v in value):
                entry.get("value").fail("must be text or an array of text")
            out[key] = [v.strip() for v in value if v.strip()]
        elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
            out[key] = str(value).strip()
        elif value is not None:
            entry.get("value").fail(f"must be text or an array of text, found {type_name(value)}")
    return out


def _statement(threat: Node) -> str:
    statement = one_line(threat.text("statement"))
    if statement:
        return statement
    source, prerequisites = one_line(threat.text("threatSource")), one_line(threat.text("prerequisites"))
    action, impact = one_line(threat.text("threatAction")), one_line(threat.text("threatImpact"))
    if not (source or action):
        return ""
    text = " ".join(p for p in (source or "a threat actor", prerequisites, "can", action or "act") if p)
    text = text[:1].upper() + text[1:]
    return text + (f", which leads to {impact}" if impact else "")


def parse(root: Node, *, filename: str = "") -> Plan:
    root.require_object()
    schema = root.get("schema").value
    if schema is not None and (isinstance(schema, bool) or not isinstance(schema, (int, float))):
        root.get("schema").fail(f"must be a number, found {type_name(schema)}")
    info = root.object("applicationInfo")
    name = one_line(info.text("name")) or filename.removesuffix(".json").removesuffix(".tc") or "Threat Composer model"
    name, cut = truncate(name, 200)
    sections = [clean(info.text("description"))]
    for key, heading in (("architecture", "Architecture"), ("dataflow", "Data flow")):
        part = root.object(key)
        text = clean(part.text("description"))
        if text:
            sections.append(f"### {heading}\n\n{text}")
    plan = Plan(format=FORMAT, format_label=LABEL, source_key=f"{FORMAT}:{name.lower()}",
                system=SystemSpec(name=name))
    if cut:
        plan.note(info.child_path("name"), "the name was cut to 200 characters", "changed")
    for key in ("architecture", "dataflow"):
        if root.object(key).has("image"):
            plan.note(root.object(key).child_path("image"), "diagram images are not imported", "skipped")

    assumptions: dict[str, str] = {}
    lines = []
    for item in root.array("assumptions"):
        item.require_object()
        assumption_id = item.identifier("id")
        number = item.text("numericId", numbers=True)
        content = one_line(item.text("content"))
        comments = one_line(str(_metadata(item).get("Comments", "")))
        label = f"A-{number}" if number else f"A-{len(lines) + 1}"
        assumptions[assumption_id] = f"{label}: {content}"
        lines.append(f"- **{label}** {content}" + (f" ({comments})" if comments else ""))
    if lines:
        sections.append("### Assumptions\n\n" + "\n".join(lines))
    plan.system.description = "\n\n".join(s for s in sections if s)

    linked_assumptions: dict[str, list[str]] = {}
    for link in root.array("assumptionLinks"):
        link.require_object()
        assumption, linked = link.identifier("assumptionId"), link.identifier("linkedId")
        if assumption in assumptions:
            linked_assumptions.setdefault(linked, []).append(assumptions[assumption])

    for threat in root.array("threats"):
        _threat(plan, threat, linked_assumptions)

    risk_ids = {r.source_id for r in plan.risks}
    mitigations: dict[str, MitigationSpec] = {}
    for item in root.array("mitigations"):
        spec = _mitigation(plan, item, linked_assumptions)
        if spec is not None:
            mitigations[spec.source_id] = spec
    for link in root.array("mitigationLinks"):
        link.require_object()
        mitigation_id, linked = link.identifier("mitigationId"), link.identifier("linkedId")
        spec = mitigations.get(mitigation_id)
        if spec is None:
            plan.note(link.child_path("mitigationId"), f"a link from unknown mitigation '{mitigation_id[:40]}' "
                                                       "was skipped")
        elif linked in risk_ids:
            if linked not in spec.risks:
                spec.risks.append(linked)
        elif linked not in assumptions:
            plan.note(link.child_path("linkedId"), f"a link to unknown threat '{linked[:40]}' was skipped")
    plan.mitigations = list(mitigations.values())
    return plan


def _threat(plan: Plan, threat: Node, linked_assumptions: dict) -> None:
    threat.require_object()
    threat_id = threat.identifier("id")
    if any(r.source_id == threat_id for r in plan.risks):
        plan.note(threat.child_path("id"), f"a second threat with id '{threat_id[:40]}' was skipped")
        return
    metadata = _metadata(threat)
    statement = _statement(threat)
    number = threat.text("numericId", numbers=True)
    title = statement or (f"Threat {number}" if number else "Untitled threat")
    title, cut = truncate(title, 300)
    if cut:
        plan.note(threat.child_path("statement"), "the title (the threat statement) was cut to 300 characters; "
                                                  "the whole statement is in the description", "changed")
    grammar = [
        ("Threat source", one_line(threat.text("threatSource"))),
        ("Prerequisites", one_line(threat.text("prerequisites"))),
        ("Threat action", one_line(threat.text("threatAction"))),
        ("Threat impact", one_line(threat.text("threatImpact"))),
        ("Impacted goal", ", ".join(threat.texts("impactedGoal"))),
        ("Impacted assets", ", ".join(threat.texts("impactedAssets"))),
    ]
    lines = [statement if cut else ""]
    lines += [f"{label}: {value}" for label, value in grammar if value]
    stride = metadata.get("STRIDE")
    if stride:
        letters = stride if isinstance(stride, list) else [stride]
        lines.append("STRIDE: " + ", ".join(STRIDE.get(s, s) for s in letters))
    if metadata.get("Comments"):
        lines.append(f"Comments: {metadata['Comments']}")
    for key, value in metadata.items():
        if key.startswith("custom:"):
            lines.append(f"{key.removeprefix('custom:')}: {', '.join(value) if isinstance(value, list) else value}")
    for assumption in linked_assumptions.get(threat_id, []):
        lines.append(f"Assumption {assumption}")
    tags, mappings, unmapped = threat.texts("tags"), [], []
    for tag in tags:
        refs = framework_refs(tag)
        mappings += [r for r in refs if r not in mappings]
        if not refs:
            unmapped.append(tag)
    if tags:
        lines.append("Tags: " + ", ".join(tags))
    if unmapped:
        listed = ", ".join(repr(t[:30]) for t in unmapped)
        verb = "name" if len(unmapped) > 1 else "names"
        plan.note(threat.child_path("tags"), f"tag{'s' if len(unmapped) > 1 else ''} {listed} {verb} no framework "
                                             "item: kept in the description", "info")
    raw_status = one_line(threat.text("status"))
    status = THREAT_STATUSES.get(raw_status.lower(), "open")
    if raw_status and raw_status.lower() not in THREAT_STATUSES:
        plan.note(threat.child_path("status"), f"unknown status '{raw_status[:40]}' imported as open", "changed")
    priority = metadata.get("Priority")
    likelihood, impact, rule = severity_levels(priority if isinstance(priority, str) else "")
    plan.risks.append(RiskSpec(
        source_id=threat_id, path=threat.path, title=title, description="\n\n".join(li for li in lines if li),
        status=status, status_reason="Marked not useful in Threat Composer." if status == "dismissed" else "",
        likelihood=likelihood, impact=impact, score_rule=rule.replace("severity", "priority"), mappings=mappings))


def _mitigation(plan: Plan, item: Node, linked_assumptions: dict) -> MitigationSpec | None:
    item.require_object()
    mitigation_id = item.identifier("id")
    content = clean(item.text("content"))
    if not content:
        plan.note(item.child_path("content"), "a mitigation without text was skipped")
        return None
    metadata = _metadata(item)
    lines = [content if len(one_line(content)) > 300 else ""]
    if metadata.get("Comments"):
        lines.append(str(metadata["Comments"]))
    tags = item.texts("tags")
    if tags:
        lines.append("Tags: " + ", ".join(tags))
    for assumption in linked_assumptions.get(mitigation_id, []):
        lines.append(f"Assumption {assumption}")
    raw_status = one_line(item.text("status"))
    status = MITIGATION_STATUSES.get(raw_status.lower(), "proposed")
    if raw_status and raw_status.lower() not in MITIGATION_STATUSES:
        plan.note(item.child_path("status"), f"unknown status '{raw_status[:40]}' imported as proposed", "changed")
    return MitigationSpec(
        source_id=mitigation_id, path=item.path, title=truncate(one_line(content), 300)[0],
        description="\n\n".join(li for li in lines if li), status=status,
        status_reason="Will not action (Threat Composer)." if status == "rejected" else "")
