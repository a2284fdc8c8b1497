"""OWASP Threat Dragon models (v2 JSON: ``summary`` + ``detail.diagrams[].cells[]``; v1 ``diagramJson`` too).

- actors, processes and stores become components, their kind proposed by ``rules.propose_kinds``;
- flows become flows: ``isEncrypted`` (or an encrypted ``protocol``) answers *encrypted in transit*;
  ``isPublicNetwork``, or the flow's line crossing a trust-boundary curve drawn on the same diagram, or
  exactly one end inside a trust-boundary box, answers *crosses a trust boundary*; a bidirectional flow
  becomes two flows; a flow not attached to two elements is skipped;
- threats become custom risks: status Open -> open, Mitigated -> closed, NotApplicable -> dismissed;
  severity -> likelihood x impact by ``rules.severity_levels``; their mitigation text becomes a
  mitigation (implemented when the threat is mitigated, else proposed), one per distinct text;
- text blocks and trust boundaries are not components (boundaries only answer the flows' question).
"""

import hashlib
from pathlib import PurePath

from ..plan import ComponentSpec, FlowSpec, MitigationSpec, Plan, RiskSpec, SystemSpec
from ..reader import Node, type_name
from ..rules import (
    NO_MODEL_NOTE,
    clean,
    framework_refs,
    input_answers,
    model_answers,
    one_line,
    propose_kinds,
    protocol_encrypted,
    severity_levels,
    truncate,
)
from .geometry import crosses_polyline, inside

FORMAT = "threat-dragon"
LABEL = "OWASP Threat Dragon"

TYPES = {"tm.actor": "actor", "tm.process": "process", "tm.store": "store", "tm.flow": "flow",
         "tm.boundary": "curve", "tm.boundarybox": "box", "tm.text": "text"}
SHAPES = {"actor": "actor", "process": "process", "store": "store", "flow": "flow", "trust-boundary-box": "box",
          "trust-boundary-curve": "curve", "trust-broundary-curve": "curve", "td-text-block": "text"}
ELEMENTS = ("actor", "process", "store")
STATUSES = {"open": "open", "mitigated": "closed", "notapplicable": "dismissed", "not applicable": "dismissed",
            "n/a": "dismissed", "na": "dismissed"}


def looks_like(doc) -> bool:
    if not isinstance(doc, dict) or "detail" not in doc:
        return False
    return "summary" in doc or (isinstance(doc["detail"], dict) and "diagrams" in doc["detail"])


def _classify(props: Node, cell: Node) -> str | None:
    ctype = props.text("type") or cell.text("type")
    if ctype:
        return TYPES.get(ctype.lower())
    return SHAPES.get(cell.text("shape").lower())


def _label(cell: Node, props: Node) -> str:
    """An element's or flow's name: ``data.name`` (v2), else the text drawn on it."""
    name = props.text("name")
    if name:
        return one_line(name)
    attrs = cell.object("attrs")
    for key in ("text", "label", "labelText"):
        if attrs.has(key) and isinstance(attrs.get(key).value, dict):
            text = attrs.object(key).text("text")
            if text:
                return one_line(text)
    for label in cell.array("labels"):
        if isinstance(label.value, dict):
            text = label.object("attrs").object("labelText").text("text") or label.object("attrs").object(
                "text").text("text")
            if text:
                return one_line(text)
    return ""


def _point(node: Node) -> tuple[float, float] | None:
    if not isinstance(node.value, dict):
        return None
    x, y = node.number("x"), node.number("y")
    return (float(x), float(y)) if x is not None and y is not None else None


def _box(cell: Node) -> tuple[float, float, float, float] | None:
    position, size = cell.object("position"), cell.object("size")
    x, y = position.number("x"), position.number("y")
    if x is None or y is None:
        return None
    return float(x), float(y), float(size.number("width", 0) or 0), float(size.number("height", 0) or 0)


def _end(node: Node) -> str | None:
    """The element id a flow end is attached to (v2 ``{"cell": id}``, v1 ``{"id": id}``); None when the end
    is loose (absent, or a point ``{"x", "y"}``)."""
    if node.is_null:
        return None
    if not isinstance(node.value, dict):
        node.fail(f'must be an object such as {{"cell": "<element id>"}}, found {type_name(node.value)}')
    return node.identifier("cell", required=False) or node.identifier("id", required=False) or None


class _Diagram:
    def __init__(self, title: str):
        self.title = title
        self.curves: list[list[tuple[float, float]]] = []
        self.boxes: list[tuple[float, float, float, float]] = []

    @property
    def has_boundaries(self) -> bool:
        return bool(self.curves or self.boxes)


def parse(root: Node, *, filename: str = "") -> Plan:
    root.require_object()
    summary = root.object("summary")
    detail = root.object("detail", required=True)
    title = one_line(summary.text("title", numbers=True)) or PurePath(filename or "").stem or "Threat Dragon model"
    parts = [clean(summary.text("description"))]
    owner = one_line(summary.text("owner"))
    reviewer = one_line(detail.text("reviewer", numbers=True))
    contributors = [one_line(c.text("name")) for c in detail.array("contributors") if isinstance(c.value, dict)]
    facts = [f"Owner in Threat Dragon: {owner}" if owner else "", f"Reviewer: {reviewer}" if reviewer else "",
             f"Contributors: {', '.join(c for c in contributors if c)}" if any(contributors) else ""]
    parts.append("\n".join(f for f in facts if f))
    plan = Plan(format=FORMAT, format_label=LABEL, source_key=f"{FORMAT}:{title.lower()}",
                system=SystemSpec(name=title, description="\n\n".join(p for p in parts if p)))

    elements: dict[str, dict] = {}
    flow_cells: list[tuple[Node, Node, _Diagram]] = []
    diagrams = detail.array("diagrams")
    if not diagrams:
        plan.note(detail.child_path("diagrams"), "the model has no diagram: the system is created empty", "info")
    several = len(diagrams) > 1
    for diagram_node in diagrams:
        diagram_node.require_object()
        diagram = _Diagram(one_line(diagram_node.text("title", numbers=True)) or "untitled diagram")
        if diagram_node.has("cells") or not diagram_node.has("diagramJson"):
            cells = diagram_node.array("cells")
        else:
            cells = diagram_node.object("diagramJson").array("cells")
        if not cells:
            plan.note(diagram_node.path, f"diagram '{diagram.title}' is empty", "info")
        for cell in cells:
            cell.require_object()
            props = cell.object("data") if cell.has("data") else cell
            what = _classify(props, cell)
            if what is None:
                shown = props.text("type") or cell.text("shape") or "none"
                plan.note(cell.path, f"an element of unknown type '{shown[:60]}' was skipped")
            elif what == "text":
                plan.note(cell.path, "a text block is not part of the model", "info")
            elif what == "curve":
                points = [_point(cell.get("source")), *[_point(v) for v in cell.array("vertices")],
                          _point(cell.get("target"))]
                if all(points):
                    diagram.curves.append(points)
            elif what == "box":
                box = _box(cell)
                if box:
                    diagram.boxes.append(box)
            elif what == "flow":
                flow_cells.append((cell, props, diagram))
            else:
                _element(plan, elements, cell, props, what, diagram, several)

    edges: list[tuple[str, str]] = []
    flows: list[tuple[Node, Node, _Diagram, str, str]] = []
    for cell, props, diagram in flow_cells:
        ends = {"source": _end(cell.get("source")), "target": _end(cell.get("target"))}
        name = _label(cell, props) or "flow"
        problem = None
        for end, element_id in ends.items():
            if element_id is None:
                problem = (end, f"flow '{name}' is not attached to an element at its {end} end: skipped")
            elif element_id not in elements:
                problem = (end, f"flow '{name}' points at '{element_id[:60]}', which is not an element of the "
                                "model: skipped")
            if problem:
                break
        if problem:
            plan.note(cell.child_path(problem[0]), problem[1])
            continue
        source, target = ends["source"], ends["target"]
        if source == target:
            plan.note(cell.path, f"flow '{name}' goes from an element to itself: skipped")
            continue
        flows.append((cell, props, diagram, source, target))
        edges.append((source, target))
        if props.boolean("isBidirectional"):
            edges.append((target, source))

    kinds = propose_kinds([e["hints"] for e in elements.values()], edges)
    if elements and all(kind != "model" for kind, _reason, _ask in kinds.values()):
        plan.note("$", NO_MODEL_NOTE, "info")
    for element_id, element in elements.items():
        spec = element["spec"]
        spec.kind, spec.kind_reason, spec.kind_ask = kinds[element_id]
        spec.answers_by_kind = {"model": model_answers(spec.name, spec.description),
                                "input": input_answers(spec.name, spec.description)}
        for threat_index, threat in enumerate(element["threats"]):
            _threat(plan, threat, element_id, spec.source_id, threat_index, context="")

    public = False
    for cell, props, diagram, source, target in flows:
        public = _flow(plan, cell, props, diagram, elements, source, target) or public
    if public:
        plan.system.answers["internet_facing"] = True
        plan.note("$", "a flow over a public network makes the system internet-facing", "info")
    plan.extras.pop("_threat_ids", None)
    return plan


def _element(plan: Plan, elements: dict, cell: Node, props: Node, what: str, diagram: _Diagram,
             several: bool) -> None:
    element_id = cell.identifier("id")
    if element_id in elements:
        plan.note(cell.child_path("id"), f"a second element with id '{element_id}' was skipped")
        return
    name = _label(cell, props) or f"Unnamed {what}"
    lines = [clean(props.text("description"))]
    if props.boolean("outOfScope"):
        reason = one_line(props.text("reasonOutOfScope"))
        lines.append("Out of scope in Threat Dragon" + (f": {reason}" if reason else "."))
    if several:
        lines.append(f"From the diagram '{diagram.title}'.")
    box = _box(cell)
    spec = ComponentSpec(source_id=element_id, path=cell.path, name=name, kind="input",
                         description="\n\n".join(line for line in lines if line))
    flags = {"log"} if props.boolean("isALog") else set()
    elements[element_id] = {
        "spec": spec, "diagram": diagram, "threats": props.array("threats"),
        "center": (box[0] + box[2] / 2, box[1] + box[3] / 2) if box else None,
        "hints": {"id": element_id, "type": what, "name": name, "text": spec.description, "flags": flags},
    }
    plan.components.append(spec)


def _flow(plan: Plan, cell: Node, props: Node, diagram: _Diagram, elements: dict, source: str, target: str) -> bool:
    flow_id = cell.identifier("id")
    label = _label(cell, props)
    answers, reasons = {}, []
    encrypted = props.boolean("isEncrypted")
    protocol = one_line(props.text("protocol"))
    if encrypted is not None:
        answers["encrypted_in_transit"] = encrypted
        reasons.append(f"isEncrypted is {str(encrypted).lower()}")
    elif protocol_encrypted(protocol):
        answers["encrypted_in_transit"] = True
        reasons.append(f"protocol {protocol}")
    public = bool(props.boolean("isPublicNetwork"))
    a, b = elements[source], elements[target]
    if public:
        answers["crosses_trust_boundary"] = True
        reasons.append("isPublicNetwork is true")
    elif a["diagram"] is b["diagram"] and diagram.has_boundaries and a["center"] and b["center"]:
        crossed = any(crosses_polyline(a["center"], b["center"], curve) for curve in diagram.curves) or any(
            inside(a["center"], box) != inside(b["center"], box) for box in diagram.boxes)
        answers["crosses_trust_boundary"] = crossed
        reasons.append("its line crosses a trust boundary drawn on the diagram" if crossed else
                       "it crosses none of the trust boundaries drawn on the diagram")
    if props.boolean("outOfScope"):
        reason = one_line(props.text("reasonOutOfScope"))
        plan.note(cell.path, f"flow '{label or flow_id}' is out of scope in Threat Dragon"
                             + (f" ({reason})" if reason else "") + "; imported anyway", "info")
    names = f"{a['spec'].name} → {b['spec'].name}"
    plan.flows.append(FlowSpec(source_id=flow_id, path=cell.path, source=source, target=target,
                               label=truncate(label, 200)[0], answers=answers, reasons=reasons))
    if props.boolean("isBidirectional"):
        plan.flows.append(FlowSpec(source_id=f"{flow_id}:reverse", path=cell.path, source=target, target=source,
                                   label=truncate(label, 200)[0], answers=dict(answers), reasons=reasons + [
                                       "the reverse direction of a bidirectional flow"]))
        plan.note(cell.path, f"bidirectional flow '{label or names}' imported as two flows", "info")
    context = f"On the data flow '{label}' ({names})." if label else f"On the data flow {names}."
    for threat_index, threat in enumerate(props.array("threats")):
        _threat(plan, threat, flow_id, None, threat_index, context=context)
    return public


def _threat(plan: Plan, threat: Node, owner_id: str, component: str | None, index: int, context: str) -> None:
    threat.require_object()
    # Each threat in the file is one risk: a threat copied with its id onto another element (or twice onto one)
    # gets an id of its own, so nothing is merged by id or by title.
    taken = plan.extras.setdefault("_threat_ids", set())
    source_id = threat.identifier("id", required=False) or f"{owner_id}#threat{index}"
    if source_id in taken:
        source_id = f"{owner_id}#{source_id}"
    base, n = source_id, 1
    while source_id in taken:
        n += 1
        source_id = f"{base}#{n}"
    taken.add(source_id)
    title = one_line(threat.text("title")) or one_line(threat.text("type")) or "Untitled threat"
    title, cut = truncate(title, 300)
    if cut:
        plan.note(threat.child_path("title"), "the title was cut to 300 characters", "changed")
    raw_status = one_line(threat.text("status"))
    status = STATUSES.get(raw_status.lower())
    reason = ""
    if status is None:
        status = "open"
        plan.note(threat.child_path("status"), f"unknown status '{raw_status[:40] or 'none'}' imported as open",
                  "changed" if raw_status else "info")
    elif status == "dismissed":
        reason = "Marked not applicable in Threat Dragon."
    likelihood, impact, rule = severity_levels(threat.text("severity", numbers=True))
    category = " / ".join(p for p in (one_line(threat.text("modelType")), one_line(threat.text("type"))) if p)
    score = threat.text("score", numbers=True)
    lines = [context, clean(threat.text("description")), f"Threat category: {category}" if category else "",
             f"Score in Threat Dragon: {one_line(score)}" if score else ""]
    mappings = []
    for text in (title, threat.text("type"), category):
        mappings += [m for m in framework_refs(text) if m not in mappings]
    plan.risks.append(RiskSpec(
        source_id=source_id, path=threat.path, title=title, component=component,
        description="\n\n".join(line for line in lines if line), status=status, status_reason=reason,
        likelihood=likelihood, impact=impact, score_rule=rule, mappings=mappings))
    text = clean(threat.text("mitigation"))
    if text:
        _mitigation(plan, threat, text, source_id, "implemented" if status == "closed" else "proposed")


def _mitigation(plan: Plan, threat: Node, text: str, risk_id: str, status: str) -> None:
    """One mitigation per distinct text and status (the same advice on many threats is one mitigation);
    its id is a digest of both, so importing a new version of the model finds it again."""
    key = f"{status}:{' '.join(text.lower().split())}"
    source_id = "td-mitigation:" + hashlib.sha256(key.encode()).hexdigest()[:16]
    existing = next((m for m in plan.mitigations if m.source_id == source_id), None)
    if existing is not None:
        if risk_id not in existing.risks:
            existing.risks.append(risk_id)
        return
    lines = text.splitlines()
    title = truncate(one_line(lines[0] if lines else text), 200)[0]
    plan.mitigations.append(MitigationSpec(source_id=source_id, path=threat.child_path("mitigation"),
                                           title=title, description=text, status=status, risks=[risk_id]))
