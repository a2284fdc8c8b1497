"""Write a prepared plan in one transaction, through the same services the pages and the API call.

Every object is created (or, for a model imported before, updated) by its service, which validates it
and records its audit event; statuses move along their graphs with ``risk_transition`` /
``mitigation_transition`` (shortest path, so the history reads like a person's). A system export also
carries state no service sets on purpose (acceptances, stale flags, sign-offs): ``restore`` writes
that, audited. Any error rolls the whole import back and is reported with the JSON path of the
element that caused it.

After commit the register's ``on_system_changed`` hook runs the catalog engine on the system, so an
imported model gets its AI threat suggestions like any other.
"""

from collections import defaultdict, deque
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from threatmodel import services as tm_services
from threatmodel.audit import audit_record
from threatmodel.models import AISystem, Component, DataFlow

from .. import services
from ..models import (
    MITIGATION_TRANSITIONS,
    RISK_REASON_REQUIRED,
    RISK_TRANSITIONS,
    Mitigation,
    MitigationStatus,
    Risk,
)
from . import restore
from .errors import problem_from
from .plan import Note
from .prepare import Prepared

SECTIONS = ("components", "flows", "risks", "mitigations")


def status_path(graph: dict, start: str, goal: str) -> list[str] | None:
    """The shortest list of statuses leading from ``start`` to ``goal`` ([] when equal; None: unreachable)."""
    if start == goal:
        return []
    previous, todo = {start: None}, deque([start])
    while todo:
        current = todo.popleft()
        for nxt in sorted(graph.get(current, ())):
            if nxt in previous:
                continue
            previous[nxt] = current
            if nxt == goal:
                path = [nxt]
                while previous[path[-1]] != start:
                    path.append(previous[path[-1]])
                return list(reversed(path))
            todo.append(nxt)
    return None


@dataclass
class ApplyResult:
    system: AISystem
    mapping: dict
    created: dict = field(default_factory=lambda: defaultdict(set))  # section -> source ids
    updated: dict = field(default_factory=lambda: defaultdict(set))
    notes: list[Note] = field(default_factory=list)

    def counts(self, which: str) -> dict:
        return {section: len(ids) for section, ids in getattr(self, which).items() if ids}

    def summary(self) -> dict:
        return {"created": self.counts("created"), "updated": self.counts("updated"),
                "notes": [n.__dict__ for n in self.notes]}


class _Applier:
    def __init__(self, *, actor, team, prepared: Prepared, system: AISystem | None, mapping: dict | None):
        self.actor, self.team, self.prepared, self.plan = actor, team, prepared, prepared.plan
        self.exact = self.plan.format == "system-export"
        self.updating = system is not None
        self.system = system
        old = mapping or {}
        self.old = {s: dict(old.get(s) or {}) for s in SECTIONS}
        self.result = ApplyResult(system=system, mapping={s: {} for s in SECTIONS})
        self.components: dict[str, Component] = {}
        self.risks: dict[str, Risk] = {}
        self.mitigations: dict[str, Mitigation] = {}

    def _track(self, section: str, source_id: str, obj, created: bool, before_version: int | None = None) -> None:
        self.result.mapping[section][source_id] = obj.pk
        if created:
            self.result.created[section].add(source_id)
        elif before_version is not None and obj.version != before_version:
            self.result.updated[section].add(source_id)

    def _existing(self, section: str, model, source_id: str):
        pk = self.old[section].get(source_id)
        if pk is None or self.system is None:
            return None
        return model.objects.filter(pk=pk, system=self.system).first()

    # --- the run -----------------------------------------------------------------------------------------
    def run(self) -> ApplyResult:
        self._system()
        self._components()
        self._flows()
        if self.exact:
            restore.suggest_now(self.system)
        self._risks()
        self._mitigations()
        self._statuses()
        if self.exact:
            restore.restore_extras(self, self.updating)
        else:
            self._refs()
        self.result.system = self.system
        return self.result

    def _system(self) -> None:
        spec, p = self.plan.system, self.prepared
        owner = p.user(spec.owner)
        try:
            if self.system is None:
                self.system = tm_services.system_create(
                    actor=self.actor, team=self.team, name=spec.name, description=spec.description,
                    lifecycle_stage=spec.lifecycle_stage, owner=owner, answers=p.system_answers)
                self.result.created["systems"].add("system")
                return
            answers = dict(p.system_answers) if self.exact else {**(self.system.answers or {}), **p.system_answers}
            changes = {"name": spec.name, "description": spec.description, "answers": answers}
            if self.exact:
                changes.update(lifecycle_stage=spec.lifecycle_stage, owner=owner)
            before = self.system.version
            self.system = tm_services.system_update(actor=self.actor, system=self.system, **changes)
            if self.system.version != before:
                self.result.updated["systems"].add("system")
        except ValidationError as exc:
            raise problem_from(exc, "$", f"system '{spec.name[:60]}'") from None

    def _components(self) -> None:
        for spec in self.plan.components:
            kind = self.prepared.kinds[spec.source_id]
            answers = self.prepared.component_answers[spec.source_id]
            existing = self._existing("components", Component, spec.source_id)
            try:
                if existing is None:
                    component = tm_services.component_create(
                        actor=self.actor, system=self.system, kind=kind, name=spec.name, description=spec.description,
                        answers=answers, position=spec.position if self.exact else None)
                    created, before = True, None
                else:
                    merged = answers if self.exact or existing.kind != kind else {**answers, **(existing.answers or {})}
                    changes = {"kind": kind, "name": spec.name, "description": spec.description, "answers": merged}
                    if self.exact and spec.position is not None:
                        changes["position"] = spec.position
                    before = existing.version
                    component = tm_services.component_update(actor=self.actor, component=existing, **changes)
                    created = False
            except ValidationError as exc:
                raise problem_from(exc, spec.path, f"component '{spec.name[:60]}'") from None
            self.components[spec.source_id] = component
            self._track("components", spec.source_id, component, created, before)

    def _flows(self) -> None:
        for spec in self.plan.flows:
            source, target = self.components[spec.source], self.components[spec.target]
            answers = self.prepared.flow_answers[spec.source_id]
            existing = self._existing("flows", DataFlow, spec.source_id)
            try:
                if existing is None:
                    flow = tm_services.flow_create(actor=self.actor, system=self.system, source=source, target=target,
                                                   label=spec.label, answers=answers)
                    created, before = True, None
                else:
                    merged = answers if self.exact else {**(existing.answers or {}), **answers}
                    before = existing.version
                    flow = tm_services.flow_update(actor=self.actor, flow=existing, source=source, target=target,
                                                   label=spec.label, answers=merged)
                    created = False
            except ValidationError as exc:
                raise problem_from(exc, spec.path, f"flow '{spec.label[:60] or spec.source_id}'") from None
            self._track("flows", spec.source_id, flow, created, before)

    def _risks(self) -> None:
        p = self.prepared
        for spec in self.plan.risks:
            component_id = p.risk_components[spec.source_id]
            component = self.components.get(component_id) if component_id else None
            template = p.templates.get(spec.template) if spec.template else None
            existing = self._existing("risks", Risk, spec.source_id)
            suggested_now = False  # found among the suggestions the engine just made for this system
            if existing is None and template is not None:
                existing = Risk.objects.filter(system=self.system, template=template, component=component).first()
                suggested_now = existing is not None and not self.updating
            fields = {"title": spec.title, "description": spec.description, "likelihood": spec.likelihood,
                      "impact": spec.impact}
            if self.exact:
                fields.update(owner=p.user(spec.owner), due=spec.due,
                              treatment=spec.treatment if spec.treatment != "accept" else "")
            try:
                if existing is None and template is not None:
                    risk = restore.create_template_risk(self, spec, template, component)
                    created, before = True, None
                elif existing is None:
                    risk = services.risk_create(actor=self.actor, system=self.system, component=component,
                                                mappings=p.mappings[spec.source_id], **fields)
                    created, before = True, None
                else:
                    before = existing.version
                    changes = dict(fields)
                    if existing.template_id is None:
                        changes.update(component=component, mappings=p.mappings[spec.source_id])
                    if self.exact and existing.treatment == "accept":
                        changes.pop("treatment")  # the acceptance is restored as a whole below
                    risk = services.risk_update(actor=self.actor, risk=existing, **changes)
                    created = suggested_now
            except ValidationError as exc:
                raise problem_from(exc, spec.path, f"risk '{spec.title[:60]}'") from None
            self.risks[spec.source_id] = risk
            self._track("risks", spec.source_id, risk, created, before)

    def _mitigations(self) -> None:
        p = self.prepared
        for spec in self.plan.mitigations:
            linked = [self.risks[r].pk for r in p.mitigation_risks[spec.source_id]]
            control = p.controls.get(spec.control) if spec.control else None
            existing = self._existing("mitigations", Mitigation, spec.source_id)
            fields = {"title": spec.title, "description": spec.description, "kind": spec.kind,
                      "owner": p.user(spec.owner), "due": spec.due, "evidence": spec.evidence,
                      "evidence_links": spec.evidence_links}
            if not self.exact:
                for name in ("owner", "due", "evidence", "evidence_links"):
                    fields.pop(name)
            try:
                if existing is None:
                    mitigation = services.mitigation_create(actor=self.actor, system=self.system, control=control,
                                                            risks=linked, **fields)
                    created, before = True, None
                else:
                    before = existing.version
                    keep = set(existing.risks.values_list("pk", flat=True))
                    risks = sorted(set(linked) if self.exact else keep | set(linked))
                    mitigation = services.mitigation_update(actor=self.actor, mitigation=existing, risks=risks,
                                                            **fields)
                    created = False
            except ValidationError as exc:
                raise problem_from(exc, spec.path, f"mitigation '{spec.title[:60]}'") from None
            self.mitigations[spec.source_id] = mitigation
            self._track("mitigations", spec.source_id, mitigation, created, before)

    def _statuses(self) -> None:
        """Mitigations first (their status sets the risks' residual), then risks."""
        for spec in self.plan.mitigations:
            mitigation = self.mitigations[spec.source_id]
            self.mitigations[spec.source_id] = self._move(
                mitigation, spec, MITIGATION_TRANSITIONS, services.mitigation_transition, "mitigation",
                reason_required={MitigationStatus.REJECTED})
        for spec in self.plan.risks:
            risk = self.risks[spec.source_id]
            self.risks[spec.source_id] = self._move(risk, spec, RISK_TRANSITIONS, services.risk_transition, "risk",
                                                    reason_required=RISK_REASON_REQUIRED)

    def _move(self, obj, spec, graph, transition, what: str, reason_required):
        """Walk ``obj`` to the file's status. ``obj`` is the instance its service returned: linking does not
        change a status, and each transition locks and re-reads the row itself."""
        path = status_path(graph, obj.status, spec.status)
        if path is None:
            if not self.exact:
                self.result.notes.append(Note(spec.path, f"{what} '{spec.title[:60]}' cannot go from {obj.status} to "
                                                         f"{spec.status} here: left {obj.status}", "changed"))
            return obj  # a restore sets it exactly afterwards
        for i, status in enumerate(path):
            last = i == len(path) - 1
            reason = spec.status_reason if last else ""
            if status in reason_required and not reason:
                reason = f"Imported: {status} in the source file."
            try:
                obj = transition(actor=self.actor, status=status, reason=reason, **{what: obj})
            except ValidationError as exc:
                raise problem_from(exc, spec.path, f"{what} '{spec.title[:60]}'") from None
        section = "risks" if what == "risk" else "mitigations"
        if path and spec.source_id not in self.result.created[section]:
            self.result.updated[section].add(spec.source_id)
        return obj

    def _refs(self) -> None:
        for spec in self.plan.refs:
            restore.external_ref(self, spec)


def apply_prepared(*, actor, team, prepared: Prepared, system: AISystem | None = None, mapping: dict | None = None,
                   file_sha256: str = "") -> ApplyResult:
    """Create (or, with ``system`` and the earlier import's ``mapping``, update) the system in one transaction."""
    with transaction.atomic():
        applier = _Applier(actor=actor, team=team, prepared=prepared, system=system, mapping=mapping)
        result = applier.run()
        audit_record(team=team, actor=actor, action="system.imported", obj=result.system, changes={
            "format": [None, prepared.plan.format], "file_sha256": [None, file_sha256],
            "created": [None, result.counts("created")], "updated": [None, result.counts("updated")]})
    return result

