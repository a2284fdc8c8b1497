"""This tool's own system export (``format: ai-threat-register/system-export``, version 1): a restore.

Read strictly: every field is checked against the published schema's types and vocabularies (a bad
value is an ImportProblem naming its path), because a restore must be exact or not happen at all.
"""

import dataclasses

from threatmodel.models import ComponentKind

from ...fields import MITIGATION_EXPORTED, RISK_EXPORTED
from ...models import (
    DpiaResult,
    Mitigation,
    ReportKind,
    ReportStatus,
    ReviewDecision,
    ReviewRole,
    Risk,
)
from ..export import FORMAT as EXPORT_FORMAT
from ..export import VERSION
from ..plan import ComponentSpec, FlowSpec, MitigationSpec, Plan, RefSpec, RiskSpec, SystemSpec
from ..reader import Node, type_name
from .columns import read_columns

FORMAT = "system-export"
LABEL = "AI Threat Register system export"
STAGES = ("idea", "design", "development", "production", "retired")


def looks_like(doc) -> bool:
    return isinstance(doc, dict) and doc.get("format") == EXPORT_FORMAT


def _choice(node: Node, key: str, allowed, *, default=None, required: bool = True) -> str:
    value = node.text(key, required=required and default is None, default=default or "")
    if value not in allowed:
        node.get(key).fail(f"'{value[:40]}' is not one of {', '.join(a for a in allowed if a) or 'the allowed values'}")
    return value


def _answers(node: Node, key: str = "answers") -> dict:
    value = node.object(key).value
    return dict(value)


def _id(node: Node, key: str = "id", *, required: bool = True) -> str:
    child = node.get(key)
    value = child.value
    if value is None and not required:
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, str)) or value == "":
        child.fail(f"must be an id (a number or text), found {type_name(value)}")
    return str(value)


def _level(node: Node, key: str) -> int:
    value = node.get(key).value
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        node.get(key).fail("must be a whole number from 1 to 5")
    return value


def _zone(node: Node) -> str:
    zone = node.text("trust_zone")
    if len(zone) > 100:
        node.get("trust_zone").fail("at most 100 characters")
    return zone


def _optional_text(node: Node, key: str) -> str | None:
    value = node.text(key)
    return value or None


def parse(root: Node, *, filename: str = "") -> Plan:
    root.require_object()
    version = root.get("version").value
    if version != VERSION:
        root.get("version").fail(f"version {version!r} is not supported (this installation reads version {VERSION})")
    system = root.object("system", required=True)
    name = system.text("name", required=True)
    if len(name) > 200:
        system.get("name").fail("at most 200 characters")
    plan = Plan(format=FORMAT, format_label=LABEL, source_key=f"{FORMAT}:{system.text('slug') or name.lower()}",
                system=SystemSpec(name=name, description=system.text("description"),
                                  lifecycle_stage=_choice(system, "lifecycle_stage", STAGES, default="design"),
                                  owner=system.text("owner"), answers=_answers(system)))
    plan.extras["catalog"] = dict(root.object("catalog").value)

    for node in root.array("components"):
        node.require_object()
        kind = _choice(node, "kind", tuple(ComponentKind.values))
        position = node.get("position").value
        if position is not None and (isinstance(position, bool) or not isinstance(position, int) or position < 0):
            node.get("position").fail("must be a whole number from 0")
        plan.components.append(ComponentSpec(
            source_id=_id(node), path=node.path, name=node.text("name", required=True), kind=kind,
            kind_reason="the kind recorded in the export", kind_confirmed=True, description=node.text("description"),
            answers_by_kind={kind: _answers(node)}, position=position, trust_zone=_zone(node)))
    for node in root.array("flows"):
        node.require_object()
        plan.flows.append(FlowSpec(source_id=_id(node), path=node.path, source=_id(node, "source"),
                                   target=_id(node, "target"), label=node.text("label"), answers=_answers(node)))
    for node in root.array("risks"):
        node.require_object()
        plan.risks.append(_risk(node))
    for node in root.array("mitigations"):
        node.require_object()
        links = node.get("risks")
        if links.value is not None and not isinstance(links.value, list):
            links.fail(f"must be an array, found {type_name(links.value)}")
        columns = read_columns(node, Mitigation, MITIGATION_EXPORTED)
        known = _split(columns, MitigationSpec)
        plan.mitigations.append(MitigationSpec(
            source_id=_id(node), path=node.path, risks=[_link(links, n) for n in range(len(links.value or []))],
            control=_optional_text(node, "control"), owner=node.text("owner"), due=_optional_text(node, "due"),
            exact={name: value for name, value in columns.items() if name not in known}, **known))
    for node in root.array("external_refs"):
        node.require_object()
        risk, mitigation = _id(node, "risk", required=False), _id(node, "mitigation", required=False)
        if bool(risk) == bool(mitigation):
            node.fail("an external reference belongs to exactly one risk or one mitigation")
        plan.refs.append(RefSpec(path=node.path, target_type="risk" if risk else "mitigation",
                                 target=risk or mitigation, tracker=node.text("tracker", required=True),
                                 external_id=node.text("external_id", required=True, numbers=True),
                                 key=node.text("key"), url=node.text("url"), remote_status=node.text("remote_status"),
                                 remote_updated_at=_optional_text(node, "remote_updated_at")))
    privacy = root.get("privacy_assessment")
    if not privacy.is_null:
        plan.extras["privacy"] = (privacy.path, _privacy(privacy))
    plan.extras["reviews"] = [(n.path, _review(n)) for n in root.array("reviews")]
    plan.extras["reports"] = [(n.path, _report(n)) for n in root.array("reports")]
    return plan


def _whole(node: Node, key: str, *, low: int = 0, high: int | None = None, nullable: bool = False) -> int | None:
    value = node.get(key).value
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        node.get(key).fail(f"must be a whole number from {low}" + (f" to {high}" if high is not None else ""))
    return value


def _privacy(node: Node) -> dict:
    node.require_object()
    data = dict(node.value)
    data["provenance"] = dict(node.object("provenance").value)
    data["dpia_result"] = _choice(node, "dpia_result", DpiaResult.values, default="undetermined")
    data["dpia_criteria_met"] = _whole(node, "dpia_criteria_met", nullable=True) or 0
    sign_off = node.get("sign_off")
    if not sign_off.is_null:
        sign_off.require_object()
        data["sign_off"] = {"by": sign_off.text("by"), "label": sign_off.text("label"), "at": sign_off.text("at"),
                            "current": bool(sign_off.boolean("current", False)), "comment": sign_off.text("comment")}
    return data


def _review(node: Node) -> dict:
    node.require_object()
    return {"round": _whole(node, "round", low=1), "role": _choice(node, "role", ReviewRole.values),
            "decision": _choice(node, "decision", ReviewDecision.values), "user": node.text("user"),
            "user_label": node.text("user_label"), "comment": node.text("comment"),
            "catalog_version": node.text("catalog_version"), "catalog_checksum": node.text("catalog_checksum"),
            "register_hash": node.text("register_hash"),
            "register_summary": dict(node.object("register_summary").value), "created_at": node.text("created_at")}


def _report(node: Node) -> dict:
    node.require_object()
    return {"kind": _choice(node, "kind", ReportKind.values), "status": _choice(node, "status", ReportStatus.values),
            "progress": _whole(node, "progress", high=100, nullable=True) or 0, "stage": node.text("stage"),
            "error": node.text("error"), "sha256": node.text("sha256"), "content_sha256": node.text("content_sha256"),
            "size": _whole(node, "size", nullable=True), "pages": _whole(node, "pages", nullable=True),
            "pdf_variant": node.text("pdf_variant"), "catalog_version": node.text("catalog_version"),
            "requested_by": node.text("requested_by"), "requested_by_label": node.text("requested_by_label"),
            "created_at": node.text("created_at"), "started_at": node.text("started_at"),
            "finished_at": node.text("finished_at")}


def _link(links: Node, index: int) -> str:
    item = Node(links.value[index], (links.link, index))
    if isinstance(item.value, bool) or not isinstance(item.value, (int, str)):
        item.fail(f"must be a risk id, found {type_name(item.value)}")
    return str(item.value)


def _risk(node: Node) -> RiskSpec:
    residual = node.object("residual")
    acceptance = node.get("acceptance")
    accepted = None
    if not acceptance.is_null:
        acceptance.require_object()
        accepted = {"accepted_by": acceptance.text("accepted_by"), "accepted_at": acceptance.text("accepted_at"),
                    "review_date": acceptance.text("review_date"), "reason": acceptance.text("reason")}
    columns = read_columns(node, Risk, RISK_EXPORTED)
    known = _split(columns, RiskSpec)
    exact = {
        **{name: value for name, value in columns.items() if name not in known},  # what no service sets
        "residual": {"likelihood": _level(residual, "likelihood") if residual.has("likelihood") else None,
                     "impact": _level(residual, "impact") if residual.has("impact") else None,
                     "overridden": bool(residual.boolean("overridden", False)), "reason": residual.text("reason")},
        "acceptance": accepted, "acted": bool(node.boolean("acted", True)),
    }
    component = node.get("component").value
    return RiskSpec(
        source_id=_id(node), path=node.path, component=_id(node, "component") if component is not None else None,
        owner=node.text("owner"), due=_optional_text(node, "due"), mappings=node.texts("mappings"),
        template=_optional_text(node, "template"), exact=exact, **known)


def _split(columns: dict, spec) -> dict:
    """The columns the spec (and so the services in apply) takes; the rest is restored as is."""
    own = {f.name for f in dataclasses.fields(spec)}
    return {name: value for name, value in columns.items() if name in own}
