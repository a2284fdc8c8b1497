"""What an import would create: a format-independent plan, built by a parser and written by ``apply``.

Every element keeps the id it had in the source file (``source_id``) and the JSON path it came from
(``path``): the preview names it, a problem at apply time points at it, and the import record maps
source ids to our ids so that importing the same model again updates instead of duplicating.
"""

import re
from dataclasses import asdict, dataclass, field, fields, is_dataclass

# What no database column can hold: NUL, and lone UTF-16 surrogates (JSON allows "\ud800").
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
LIMITS = {"name": 200, "label": 200, "title": 300}

# Notes: "skipped" - left out; "changed" - imported, but not exactly as in the file; "info" - how it was read.
NOTE_LEVELS = ("skipped", "changed", "info")


@dataclass
class Note:
    path: str
    message: str
    level: str = "skipped"


@dataclass
class SystemSpec:
    name: str
    description: str = ""
    lifecycle_stage: str = "design"
    owner: str = ""
    answers: dict = field(default_factory=dict)


@dataclass
class ComponentSpec:
    source_id: str
    path: str
    name: str
    kind: str  # the proposal (or, from a system export, the kind itself)
    kind_reason: str = ""
    kind_confirmed: bool = False  # True when the file states the kind (our own export)
    kind_ask: bool = False  # a guess the preview asks the person to check (a process in a diagram with no model)
    description: str = ""
    answers_by_kind: dict = field(default_factory=dict)  # kind -> proposed answers for that kind
    position: int | None = None
    trust_zone: str | None = None  # the named trust zone the file puts it in; None: the file does not say

    def answers_for(self, kind: str) -> dict:
        return dict(self.answers_by_kind.get(kind) or {})


@dataclass
class FlowSpec:
    source_id: str
    path: str
    source: str  # component source ids
    target: str
    label: str = ""
    answers: dict = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)  # how the answers were derived


@dataclass
class RiskSpec:
    source_id: str
    path: str
    title: str
    description: str = ""
    component: str | None = None  # component source id; None: the whole system
    status: str = "open"
    status_reason: str = ""
    likelihood: int = 3
    impact: int = 3
    score_rule: str = ""  # how likelihood and impact were derived, for the preview
    treatment: str = ""
    owner: str = ""
    due: str | None = None
    mappings: list[str] = field(default_factory=list)  # "FRAMEWORK:REF"
    template: str | None = None  # a catalog threat (system exports only)
    exact: dict | None = None  # system exports only: the state restored as is (see restore.py)


@dataclass
class MitigationSpec:
    source_id: str
    path: str
    title: str
    description: str = ""
    status: str = "proposed"
    status_reason: str = ""
    risks: list[str] = field(default_factory=list)  # risk source ids
    kind: str = "preventive"
    control: str | None = None
    owner: str = ""
    due: str | None = None
    evidence: str = ""
    evidence_links: list[str] = field(default_factory=list)
    exact: dict | None = None  # system exports only: columns no service sets, restored as is (see restore.py)


@dataclass
class RefSpec:
    path: str
    target_type: str  # "risk" or "mitigation"
    target: str  # source id
    tracker: str
    external_id: str
    key: str = ""
    url: str = ""
    remote_status: str = ""
    remote_updated_at: str | None = None


@dataclass
class Plan:
    format: str  # "threat-dragon", "threat-composer", "otm", "system-export"
    format_label: str
    source_key: str  # identity of the model in its tool (same model, new version -> same key)
    system: SystemSpec
    components: list[ComponentSpec] = field(default_factory=list)
    flows: list[FlowSpec] = field(default_factory=list)
    risks: list[RiskSpec] = field(default_factory=list)
    mitigations: list[MitigationSpec] = field(default_factory=list)
    refs: list[RefSpec] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    extras: dict = field(default_factory=dict)  # system exports: privacy, reviews, reports, catalog

    def note(self, path: str, message: str, level: str = "skipped") -> None:
        self.notes.append(Note(path, message, level))

    def counts(self) -> dict:
        return {"components": len(self.components), "flows": len(self.flows), "risks": len(self.risks),
                "mitigations": len(self.mitigations), "external_refs": len(self.refs)}

    def as_dict(self) -> dict:
        return asdict(self)


def sanitize(value):
    """``value`` with unstorable characters replaced, recursively (dict keys too)."""
    if isinstance(value, str):
        return UNSTORABLE.sub("\ufffd", value) if UNSTORABLE.search(value) else value
    if isinstance(value, list):
        return [sanitize(v) for v in value]
    if isinstance(value, tuple):
        return tuple(sanitize(v) for v in value)
    if isinstance(value, dict):
        return {sanitize(k): sanitize(v) for k, v in value.items()}
    return value


def normalise(plan: Plan) -> Plan:
    """Make every text storable and within its column's length (a cut is noted), whatever the parser read."""
    def fix(obj, path: str) -> None:
        for f in fields(obj):
            value = getattr(obj, f.name)
            if is_dataclass(value):
                fix(value, path)
                continue
            value = sanitize(value)
            limit = LIMITS.get(f.name)
            if limit and isinstance(value, str):
                value = value.strip() or ("Untitled" if f.name != "label" else "")
                if len(value) > limit:
                    value = value[: limit - 1].rstrip() + "…"
                    plan.notes.append(Note(getattr(obj, "path", path), f"the {f.name} was cut to {limit} characters",
                                           "changed"))
            setattr(obj, f.name, value)

    fix(plan.system, "$")
    for section in (plan.components, plan.flows, plan.risks, plan.mitigations, plan.refs):
        for item in section:
            fix(item, "$")
    plan.extras = sanitize(plan.extras)
    plan.source_key = sanitize(plan.source_key)
    plan.notes = [Note(sanitize(n.path), sanitize(n.message), n.level) for n in plan.notes]
    return plan
