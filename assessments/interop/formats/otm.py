"""Open Threat Model (OTM 0.x, JSON) files, as written by IriusRisk, StartLeft, Threat Dragon and our own export.

- ``project`` -> the system; components -> components (kind proposed from type, name, description and
  tags by ``rules.propose_kinds``); trust zones are not components: a data flow between components of
  different trust zones *crosses a trust boundary*, and inputs in a zone rated below 50 (or an internet
  zone) are proposed as *untrusted content*;
- data flows -> flows (a bidirectional one -> two flows); encrypted when its tags, name or attributes
  name an encrypted protocol (https, tls...);
- each threat *instance* (a threat on a component or a flow) -> a custom risk on that component (on the
  whole system for a flow, named in the description); a threat with no instance -> a system-wide risk.
  likelihood and impact (0-100) -> levels 1-5 by ``rules.percent_level`` (0, 25, 50, 75, 100 -> 1..5).
  State exposed -> open, partlyMitigated -> mitigating, mitigated -> closed, notApplicable -> dismissed;
- mitigations -> mitigations, linked through the threat instances; state recommended -> proposed,
  required -> planned, implemented -> implemented, rejected / notApplicable -> rejected.
"""

from catalog.questions import questions_for

from ..plan import ComponentSpec, FlowSpec, MitigationSpec, Plan, RiskSpec, SystemSpec
from ..reader import Node, type_name
from ..rules import (
    NO_MODEL_NOTE,
    clean,
    framework_refs,
    input_answers,
    model_answers,
    one_line,
    percent_level,
    propose_kinds,
    protocol_encrypted,
    truncate,
)

FORMAT = "otm"
LABEL = "Open Threat Model (OTM)"


def _key(value: str) -> str:
    return "".join(ch for ch in value.lower() if ch.isalnum())


OUR_RISK_STATUSES = frozenset({"suggested", "open", "mitigating", "closed", "dismissed"})
THREAT_STATES = {"exposed": "open", "open": "open", "mitigated": "closed", "partlymitigated": "mitigating",
                 "partiallymitigated": "mitigating", "notapplicable": "dismissed", "na": "dismissed",
                 "accepted": "open"}
MITIGATION_STATES = {"recommended": "proposed", "proposed": "proposed", "required": "planned", "planned": "planned",
                     "inprogress": "in_progress", "implementing": "in_progress", "implemented": "implemented",
                     "verified": "verified", "rejected": "rejected", "notapplicable": "rejected"}


OUR_TYPES = {"ai-input": "input", "ai-model": "model", "ai-output": "output"}


def answers_from_attributes(scope: str, attributes) -> dict:
    """Answers written as OTM string attributes by our export, read back with the questions' types."""
    if not isinstance(attributes, dict):
        return {}
    out = {}
    for question in questions_for(scope):
        value = attributes.get(question.key)
        if isinstance(value, bool) and question.type == "bool":  # YAML: `encrypted_in_transit: false`
            out[question.key] = value
            continue
        if not isinstance(value, str):
            continue
        if question.type == "bool" and value in ("true", "false"):
            out[question.key] = value == "true"
        elif question.type == "choice":
            out[question.key] = value
        elif question.type == "multi":
            out[question.key] = [v.strip() for v in value.split(",") if v.strip()]
    return out


def looks_like(doc) -> bool:
    return isinstance(doc, dict) and "otmVersion" in doc


def _attributes_text(node: Node) -> str:
    attributes = node.get("attributes").value
    if not isinstance(attributes, dict):
        return ""
    return " ".join(f"{k} {v}" for k, v in attributes.items() if isinstance(v, (str, int, float)))


def parse(root: Node, *, filename: str = "") -> Plan:
    root.require_object()
    version = root.text("otmVersion", numbers=True)
    project = root.object("project", required=True)
    name, cut = truncate(one_line(project.text("name", required=True)), 200)
    project_id = project.identifier("id", required=False)
    lines = [clean(project.text("description"))]
    owner = one_line(project.text("owner"))
    if owner:
        lines.append(f"Owner in the OTM file: {owner}")
    tags = project.texts("tags")
    if tags:
        lines.append("Tags: " + ", ".join(tags))
    plan = Plan(format=FORMAT, format_label=LABEL, source_key=f"{FORMAT}:{project_id or name.lower()}",
                system=SystemSpec(name=name, description="\n\n".join(li for li in lines if li)))
    if cut:
        plan.note(project.child_path("name"), "the name was cut to 200 characters", "changed")
    if version and not version.startswith("0."):
        plan.note(root.child_path("otmVersion"), f"OTM version {version[:20]} is newer than the 0.x this reads; "
                                                 "unknown fields are ignored", "info")
    attrs = project.get("attributes").value
    if attrs is not None and not isinstance(attrs, dict):
        project.get("attributes").fail(f"must be an object, found {type_name(attrs)}")
    if isinstance(attrs, dict) and attrs.get("lifecycle_stage") in ("idea", "design", "development", "production",
                                                                      "retired"):
        plan.system.lifecycle_stage = attrs["lifecycle_stage"]
    if isinstance(attrs, dict):  # the system's answers, as our export writes them: explicit, so they are kept
        plan.system.answers.update(answers_from_attributes("system", attrs))

    zones: dict[str, dict] = {}
    for zone in root.array("trustZones"):
        zone.require_object()
        zone_id = zone.identifier("id")
        rating = zone.object("risk").number("trustRating")
        zone_name = one_line(zone.text("name"))
        zones[zone_id] = {"name": zone_name or zone_id, "rating": rating, "type": zone.text("type"),
                          "internet": "internet" in _key(zone_name + zone.text("type")) or "public" in _key(
                              zone_name + zone.text("type"))}
    assets = {}
    for asset in root.array("assets"):
        asset.require_object()
        assets[asset.identifier("id")] = one_line(asset.text("name")) or asset.identifier("id")

    threats: dict[str, Node] = {}
    for threat in root.array("threats"):
        threat.require_object()
        threat_id = threat.identifier("id")
        if threat_id in threats:
            plan.note(threat.child_path("id"), f"a second threat with id '{threat_id[:40]}' was skipped")
            continue
        threats[threat_id] = threat
    mitigations: dict[str, MitigationSpec] = {}
    for item in root.array("mitigations"):
        item.require_object()
        mitigation_id = item.identifier("id")
        title = one_line(item.text("name")) or mitigation_id
        reduction = item.number("riskReduction")
        description = "\n\n".join(p for p in (clean(item.text("description")),
                                              f"Risk reduction in the OTM file: {reduction:g}%"
                                              if reduction is not None else "") if p)
        mitigations[mitigation_id] = MitigationSpec(source_id=mitigation_id, path=item.path,
                                                    title=truncate(title, 300)[0], description=description)

    components: dict[str, dict] = {}
    for node in root.array("components"):
        node.require_object()
        component_id = node.identifier("id")
        if component_id in components:
            plan.note(node.child_path("id"), f"a second component with id '{component_id[:40]}' was skipped")
            continue
        cname = truncate(one_line(node.text("name")) or component_id, 200)[0]
        ctype = one_line(node.text("type"))
        parent = node.object("parent")
        description = [clean(node.text("description"))]
        if ctype:
            description.append(f"Type in the OTM file: {ctype}")
        used = node.object("assets")
        for key, label in (("processed", "Processes"), ("stored", "Stores")):
            names = [assets.get(a, a) for a in used.texts(key)]
            if names:
                description.append(f"{label}: {', '.join(names)}")
        ctags = [t for t in (node.texts("tags")) if t]
        if ctags:
            description.append("Tags: " + ", ".join(ctags))
        spec = ComponentSpec(source_id=component_id, path=node.path, name=cname, kind="input",
                             description="\n\n".join(d for d in description if d))
        components[component_id] = {
            "spec": spec, "node": node, "zone": parent.identifier("trustZone", required=False),
            "parent": parent.identifier("component", required=False),
            "hints": {"id": component_id, "type": ctype, "name": cname,
                      "text": " ".join([clean(node.text("description")), *ctags, _attributes_text(node)])},
        }
        plan.components.append(spec)

    def zone_of(component_id: str) -> str | None:
        seen = set()
        while component_id in components and component_id not in seen:
            seen.add(component_id)
            entry = components[component_id]
            if entry["zone"]:
                return entry["zone"]
            component_id = entry["parent"]
        return None

    for component_id, entry in components.items():  # a zone other than a whole-system one names the component's
        zone = zones.get(zone_of(component_id) or "")
        if zone is not None:
            entry["spec"].trust_zone = "" if zone["type"] == "system" else zone["name"][:100]

    edges, flow_nodes = [], []
    for node in root.array("dataflows"):
        node.require_object()
        flow_id = node.identifier("id")
        source, target = node.identifier("source"), node.identifier("destination")
        label = one_line(node.text("name")) or flow_id
        bad = next(((end, value) for end, value in (("source", source), ("destination", target))
                    if value not in components), None)
        if bad:
            plan.note(node.child_path(bad[0]), f"data flow '{label[:60]}' points at '{bad[1][:60]}', which is not "
                                               "a component: skipped")
            continue
        if source == target:
            plan.note(node.path, f"data flow '{label[:60]}' goes from a component to itself: skipped")
            continue
        edges.append((source, target))
        if node.boolean("bidirectional"):
            edges.append((target, source))
        flow_nodes.append((node, flow_id, source, target, label))

    kinds = propose_kinds([c["hints"] for c in components.values()], edges)
    if components and all(kinds[i][0] != "model" and not OUR_TYPES.get(c["hints"]["type"])
                          for i, c in components.items()):
        plan.note("$", NO_MODEL_NOTE, "info")
    internet = False
    for component_id, entry in components.items():
        spec = entry["spec"]
        spec.kind, spec.kind_reason, spec.kind_ask = kinds[component_id]
        ours = OUR_TYPES.get(entry["hints"]["type"])
        if ours:  # written by this tool's OTM export: the kind and the answers are ours
            spec.kind, spec.kind_reason, spec.kind_confirmed = ours, "the type written by AI Threat Register", True
            spec.kind_ask = False
            spec.answers_by_kind = {ours: answers_from_attributes(ours, entry["node"].get("attributes").value)}
            for instance in entry["node"].array("threats"):
                _instance(plan, instance, threats, mitigations, component_id, component_id, "")
            continue
        zone = zones.get(zone_of(component_id) or "")
        untrusted = bool(zone and (zone["internet"] or (zone["rating"] is not None and zone["rating"] < 50)))
        internet = internet or bool(zone and zone["internet"])
        spec.answers_by_kind = {"model": model_answers(spec.name, entry["hints"]["text"]),
                                "input": {**input_answers(spec.name, entry["hints"]["text"]),
                                          **({"untrusted_content": True} if untrusted else {})}}
        for instance in entry["node"].array("threats"):
            _instance(plan, instance, threats, mitigations, component_id, component_id, "")
    if internet:
        plan.system.answers["internet_facing"] = True

    for node, flow_id, source, target, label in flow_nodes:
        zone_a, zone_b = zone_of(source), zone_of(target)
        answers, reasons = {}, []
        if zone_a and zone_b:
            answers["crosses_trust_boundary"] = zone_a != zone_b
            reasons.append("its ends are in different trust zones" if zone_a != zone_b else
                           "both ends are in the same trust zone")
        attributes = node.get("attributes").value
        explicit = answers_from_attributes("flow", {("crosses_trust_boundary" if k == "crossesTrustBoundary"
                                                     else k): v for k, v in attributes.items()}) \
            if isinstance(attributes, dict) else {}
        if explicit:  # attributes (ours, or any tool's with our keys) win over what zones and names suggest
            answers.update(explicit)
            reasons = ["the answers written as attributes in the file"]
        protocol_text = " ".join([label, *node.texts("tags"), _attributes_text(node)])
        if "encrypted_in_transit" in answers:  # an explicit attribute wins over a guess from names
            reasons.append("encrypted in transit as its attribute says")
        elif protocol_encrypted(protocol_text):
            answers["encrypted_in_transit"] = True
            reasons.append("its name, tags or attributes name an encrypted protocol")
        flow_label = truncate(label, 200)[0]
        plan.flows.append(FlowSpec(source_id=flow_id, path=node.path, source=source, target=target,
                                   label=flow_label, answers=answers, reasons=reasons))
        if node.boolean("bidirectional"):
            plan.flows.append(FlowSpec(source_id=f"{flow_id}:reverse", path=node.path, source=target, target=source,
                                       label=flow_label, answers=dict(answers),
                                       reasons=reasons + ["the reverse direction of a bidirectional flow"]))
            plan.note(node.path, f"bidirectional data flow '{label[:60]}' imported as two flows", "info")
        names = f"{components[source]['spec'].name} → {components[target]['spec'].name}"
        for instance in node.array("threats"):
            _instance(plan, instance, threats, mitigations, flow_id, None, f"On the data flow '{label}' ({names}).")

    instantiated = {r.source_id.split("@", 1)[0] for r in plan.risks}
    for threat_id, threat in threats.items():
        if threat_id not in instantiated:
            plan.risks.append(_risk(threat, threat_id, None, "open", ""))
    plan.mitigations = list(mitigations.values())
    return plan


def _risk(threat: Node, source_id: str, component: str | None, status: str, context: str) -> RiskSpec:
    risk = threat.object("risk")
    likelihood_value, impact_value = risk.number("likelihood"), risk.number("impact")
    likelihood, impact = percent_level(likelihood_value), percent_level(impact_value)
    shown = [f"likelihood {likelihood_value:g} -> {likelihood}" if likelihood_value is not None else
             "no likelihood -> 3", f"impact {impact_value:g} -> {impact}" if impact_value is not None else
             "no impact -> 3"]
    categories, cwes, tags = threat.texts("categories"), threat.texts("cwes"), threat.texts("tags")
    lines = [context, clean(threat.text("description"))]
    if categories:
        lines.append("Categories: " + ", ".join(categories))
    if cwes:
        lines.append("CWE: " + ", ".join(cwes))
    for key, label in (("likelihoodComment", "Likelihood"), ("impactComment", "Impact")):
        comment = clean(risk.text(key))
        if comment:
            lines.append(f"{label}: {comment}")
    if tags:
        lines.append("Tags: " + ", ".join(tags))
    mappings = []
    for text in (*tags, *categories, one_line(threat.text("name"))):
        mappings += [m for m in framework_refs(text) if m not in mappings]
    title = truncate(one_line(threat.text("name")) or threat.identifier("id"), 300)[0]
    # Our own export writes the catalog threat and the status as attributes: explicit, so they win over the
    # instance state (which cannot say "suggested") and keep a suggested catalog risk what it was.
    attributes = threat.get("attributes").value
    template, reason = "", ""
    if isinstance(attributes, dict):
        # A dismissed catalog risk comes back dismissed on the engine's suggestion here (apply gives it the
        # engine's facts), so it is not suggested again.
        if isinstance(attributes.get("template"), str):
            template = attributes["template"].strip()[:40]
        if attributes.get("status") in OUR_RISK_STATUSES:
            status = attributes["status"]
            if isinstance(attributes.get("statusReason"), str):
                reason = clean(attributes["statusReason"])[:2000]
    if not reason and status == "dismissed":
        reason = "Not applicable in the OTM file."
    return RiskSpec(source_id=source_id, path=threat.path, title=title,
                    description="\n\n".join(li for li in lines if li), component=component, status=status,
                    status_reason=reason,
                    likelihood=likelihood, impact=impact, score_rule=", ".join(shown), mappings=mappings,
                    template=template or None)


def _instance(plan: Plan, instance: Node, threats: dict, mitigations: dict, owner_id: str, component: str | None,
              context: str) -> None:
    instance.require_object()
    threat_id = instance.identifier("threat")
    threat = threats.get(threat_id)
    if threat is None:
        plan.note(instance.child_path("threat"), f"threat '{threat_id[:60]}' is not in the file's threats: skipped")
        return
    source_id = f"{threat_id}@{owner_id}"
    if any(r.source_id == source_id for r in plan.risks):
        return
    raw_state = one_line(instance.text("state"))
    status = THREAT_STATES.get(_key(raw_state))
    if status is None:
        status = "open"
        plan.note(instance.child_path("state"), f"unknown threat state '{raw_state[:40] or 'none'}' imported as "
                                                "open", "changed")
    elif _key(raw_state) == "accepted":
        plan.note(instance.child_path("state"), "an accepted threat is imported as open: accepting a risk here "
                                                "needs an approver and a review date", "changed")
    risk = _risk(threat, source_id, component, status, context)
    risk.path = instance.path
    plan.risks.append(risk)
    for link in instance.array("mitigations"):
        if link.is_null:
            continue
        link.require_object()
        mitigation_id = link.identifier("mitigation")
        spec = mitigations.get(mitigation_id)
        if spec is None:
            plan.note(link.child_path("mitigation"), f"mitigation '{mitigation_id[:60]}' is not in the file's "
                                                     "mitigations: skipped")
            continue
        raw = one_line(link.text("state"))
        state = MITIGATION_STATES.get(_key(raw))
        if state is None:
            state = "proposed"
            plan.note(link.child_path("state"), f"unknown mitigation state '{raw[:40] or 'none'}' imported as "
                                                "proposed", "changed")
        if not spec.risks:
            spec.status = state
            spec.status_reason = "Rejected in the OTM file." if state == "rejected" else ""
        elif spec.status != state:
            plan.note(link.child_path("state"), f"mitigation '{spec.title[:60]}' has another state here "
                                                f"({raw}); it keeps its first one ({spec.status})", "changed")
        if source_id not in spec.risks:
            spec.risks.append(source_id)
