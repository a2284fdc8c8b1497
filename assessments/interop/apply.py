"""Write a prepared plan in one transaction.

New objects (most of an import) are written in bulk by ``bulk.NewObjects``: the services' rules, one
insert per kind, one ``<kind>.created`` audit entry each, appended in one batch with the import's
``system.imported`` event; a new object starts at the file's status. Objects imported before are
updated by their services, which validate them and record their audit events; their statuses move
along their graphs with ``risk_transition`` / ``mitigation_transition`` (shortest path, so the history
reads like a person's). A system export also carries state no service sets on purpose (acceptances,
stale flags, sign-offs): ``restore`` writes that, audited. Any error rolls the whole import back and is
reported with the JSON path of the element that caused it.

One webhook event (``system.imported``) tells receivers to read the system (delta sync has every
object). After commit the register's ``on_system_changed`` hook runs the catalog engine once on the
system, so an imported model gets its AI threat suggestions like any other.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from threatmodel import events
from threatmodel import services as tm_services
from threatmodel.audit import AuditEntry, audit_record_many
from threatmodel.models import AISystem
from threatmodel.webhooks import emit, object_payload

from .. import services
from ..models import MITIGATION_TRANSITIONS, RISK_REASON_REQUIRED, RISK_TRANSITIONS, MitigationStatus, Risk
from . import restore, unchanged
from .bulk import NewObjects, status_path
from .errors import problem_from
from .plan import Note
from .prepare import Prepared
from .preview import existing_objects

SECTIONS = ("components", "flows", "risks", "mitigations")
__all__ = ["ApplyResult", "apply_prepared", "status_path"]


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


def engine_matches(system: AISystem) -> dict:
    """{(threat ref, component id): match} of the catalog engine on the system as written so far."""
    from catalog.engine import current_catalog, evaluate

    from ..resuggest import system_facts

    components, flows = system_facts(system)
    out = {}
    for match in evaluate(current_catalog(), system.answers or {}, components, flows):
        out.setdefault((match.threat_ref, match.component_id), match)
    return out


class _Applier:
    def __init__(self, *, actor, team, prepared: Prepared, system: AISystem | None, mapping: dict | None):
        self.actor, self.team, self.prepared, self.plan = actor, team, prepared, prepared.plan
        self.exact = self.plan.format == "system-export"
        self.updating = system is not None
        self.system = system
        self.found = existing_objects(system, mapping)  # section -> source id -> the object imported before
        self.links = unchanged.Links(self.found)
        self.result = ApplyResult(system=system, mapping={s: {} for s in SECTIONS})
        self.new = NewObjects(self)
        self.components: dict = {}
        self.risks: dict = {}
        self.mitigations: dict = {}
        self.new_risks: list[Risk] = []  # unsaved until the mitigations are known (their residual follows them)
        self.new_risk_specs: list = []  # (spec, risk): a catalog threat twice in the file is one risk
        self.via_services = {"risks": set(), "mitigations": set()}  # source ids whose status moves by service

    def _track(self, section: str, source_id: str, obj, created: bool, before_version: int | None = None) -> None:
        self.result.mapping[section][source_id] = obj.pk
        if created:
            self.result.created[section].add(source_id)
        elif before_version is not None and obj.version != before_version:
            self.result.updated[section].add(source_id)

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
        if any(self.result.created.values()):
            events.system_changed(self.system.pk)
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
        new = []
        for spec in self.plan.components:
            existing = self.found["components"].get(spec.source_id)
            if existing is None:
                new.append(spec)
                continue
            kind = self.prepared.kinds[spec.source_id]
            answers = self.prepared.component_answers[spec.source_id]
            merged = answers if self.exact or existing.kind != kind else {**answers, **(existing.answers or {})}
            changes = {"kind": kind, "name": spec.name, "description": spec.description, "answers": merged}
            if self.exact and spec.position is not None:
                changes["position"] = spec.position
            if spec.trust_zone is not None:
                changes["trust_zone"] = spec.trust_zone
            if unchanged.component(existing, changes):
                self.components[spec.source_id] = existing
                self._track("components", spec.source_id, existing, False, existing.version)
                continue
            try:
                component = tm_services.component_update(actor=self.actor, component=existing, **changes)
            except ValidationError as exc:
                raise problem_from(exc, spec.path, f"component '{spec.name[:60]}'") from None
            self.components[spec.source_id] = component
            self._track("components", spec.source_id, component, False, existing.version)
        for spec, component in zip(new, self.new.components(new), strict=True):
            self.components[spec.source_id] = component
            self._track("components", spec.source_id, component, True)

    def _flows(self) -> None:
        new = []
        for spec in self.plan.flows:
            existing = self.found["flows"].get(spec.source_id)
            if existing is None:
                new.append(spec)
                continue
            answers = self.prepared.flow_answers[spec.source_id]
            merged = answers if self.exact else {**(existing.answers or {}), **answers}
            source, target = self.components[spec.source], self.components[spec.target]
            if unchanged.flow(existing, source, target, spec.label, merged):
                self._track("flows", spec.source_id, existing, False, existing.version)
                continue
            try:
                flow = tm_services.flow_update(actor=self.actor, flow=existing, source=source, target=target,
                                               label=spec.label, answers=merged)
            except ValidationError as exc:
                raise problem_from(exc, spec.path, f"flow '{spec.label[:60] or spec.source_id}'") from None
            self._track("flows", spec.source_id, flow, False, existing.version)
        for spec, flow in zip(new, self.new.flows(new, self.components), strict=True):
            self._track("flows", spec.source_id, flow, True)

    def _risks(self) -> None:
        p = self.prepared
        templated = [s for s in self.plan.risks if s.template and s.template in p.templates]
        catalog_risks, matches = {}, {}
        if templated:
            catalog_risks = {(r.template_id, r.component_id): r for r in Risk.objects.filter(
                system=self.system, template__isnull=False)}
            if not self.exact:  # a new catalog risk carries the engine's facts here (restore sets an export's)
                matches = engine_matches(self.system)
        for spec in self.plan.risks:
            component_id = p.risk_components[spec.source_id]
            component = self.components.get(component_id) if component_id else None
            template = p.templates.get(spec.template) if spec.template else None
            existing = self.found["risks"].get(spec.source_id)
            suggested_now = False  # found among the suggestions the engine made for this system
            if existing is None and template is not None:
                key = (template.pk, component.pk if component else None)
                existing = catalog_risks.get(key)
                if existing is not None and existing.pk is None:  # the same threat earlier in this file
                    self.risks[spec.source_id] = existing
                    self.new_risk_specs.append((spec, existing))
                    continue
                suggested_now = existing is not None and not self.updating
                if existing is None and self.exact:
                    risk = restore.create_template_risk(self, spec, template, component)
                    self._done_by_service(spec, risk, True, None)
                    continue
                if existing is None:
                    catalog_risks[key] = self._new_risk(spec, component, template, matches.get(
                        (template.ref, key[1])))
                    continue
            if existing is None:
                self._new_risk(spec, component, None)
                continue
            self._update_risk(spec, existing, component, suggested_now)

    def _new_risk(self, spec, component, template, match=None) -> Risk:
        risk = self.new.risk(spec, component, template, match)
        self.risks[spec.source_id] = risk
        self.new_risks.append(risk)
        self.new_risk_specs.append((spec, risk))
        return risk

    def _done_by_service(self, spec, risk, created: bool, before: int | None) -> None:
        self.risks[spec.source_id] = risk
        self.via_services["risks"].add(spec.source_id)
        self._track("risks", spec.source_id, risk, created, before)

    def _update_risk(self, spec, existing: Risk, component, suggested_now: bool) -> None:
        p = self.prepared
        changes = {"title": spec.title, "description": spec.description, "likelihood": spec.likelihood,
                   "impact": spec.impact}
        if self.exact:
            changes.update(owner=p.user(spec.owner), due=spec.due,
                           treatment=spec.treatment if spec.treatment != "accept" else "")
        if existing.template_id is None:
            changes.update(component=component, mappings=p.mappings[spec.source_id])
        if self.exact and existing.treatment == "accept":
            changes.pop("treatment")  # the acceptance is restored as a whole below
        if unchanged.risk(existing, changes, self.links):
            self._done_by_service(spec, existing, suggested_now, existing.version)
            return
        try:
            risk = services.risk_update(actor=self.actor, risk=existing, **changes)
        except ValidationError as exc:
            raise problem_from(exc, spec.path, f"risk '{spec.title[:60]}'") from None
        self._done_by_service(spec, risk, suggested_now, existing.version)

    def _mitigations(self) -> None:
        p = self.prepared
        new, new_specs, old = [], [], []
        for spec in self.plan.mitigations:
            existing = self.found["mitigations"].get(spec.source_id)
            if existing is None:
                control = p.controls.get(spec.control) if spec.control else None
                new.append(self.new.mitigation(spec, control))
                new_specs.append(spec)
            else:
                old.append((spec, existing))
        index = {id(risk): i for i, risk in enumerate(self.new_risks)}
        linked = defaultdict(list)
        for spec, mitigation in zip(new_specs, new, strict=True):
            for source_id in p.mitigation_risks[spec.source_id]:
                if id(self.risks[source_id]) in index:
                    linked[index[id(self.risks[source_id])]].append(mitigation)
        self.new.residuals(self.new_risks, linked)
        self.new.save_risks(self.new_risks, {index[id(risk)]: p.mappings[spec.source_id]
                                             for spec, risk in self.new_risk_specs if p.mappings[spec.source_id]})
        for spec, risk in self.new_risk_specs:
            self._track("risks", spec.source_id, risk, True)
        links = [sorted({self.risks[r].pk for r in p.mitigation_risks[s.source_id]}) for s in new_specs]
        self.new.save_mitigations(new, links)
        self.new.link_existing(new, links, {r.pk for r in self.new_risks})
        for spec, mitigation in zip(new_specs, new, strict=True):
            self.mitigations[spec.source_id] = mitigation
            self._track("mitigations", spec.source_id, mitigation, True)
        for spec, existing in old:
            self._update_mitigation(spec, existing)

    def _update_mitigation(self, spec, existing) -> None:
        p = self.prepared
        linked = {self.risks[r].pk for r in p.mitigation_risks[spec.source_id]}
        fields = {"title": spec.title, "description": spec.description, "kind": spec.kind}
        if self.exact:
            fields.update(owner=p.user(spec.owner), due=spec.due, evidence=spec.evidence,
                          evidence_links=spec.evidence_links)
        keep = self.links.risks[existing.pk]
        risks = sorted(linked if self.exact else keep | linked)
        if unchanged.mitigation(existing, fields, risks, self.links):
            mitigation = existing
        else:
            mitigation = self._mitigation_update(spec, existing, risks, fields)
        self.mitigations[spec.source_id] = mitigation
        self.via_services["mitigations"].add(spec.source_id)
        self._track("mitigations", spec.source_id, mitigation, False, existing.version)

    def _mitigation_update(self, spec, existing, risks: list[int], fields: dict):
        try:
            return services.mitigation_update(actor=self.actor, mitigation=existing, risks=risks, **fields)
        except ValidationError as exc:
            raise problem_from(exc, spec.path, f"mitigation '{spec.title[:60]}'") from None

    def _statuses(self) -> None:
        """Of the objects imported before: mitigations first (their status sets the risks' residual), then risks."""
        for spec in self.plan.mitigations:
            if spec.source_id in self.via_services["mitigations"]:
                self.mitigations[spec.source_id] = self._move(
                    self.mitigations[spec.source_id], spec, MITIGATION_TRANSITIONS, services.mitigation_transition,
                    "mitigation", reason_required={MitigationStatus.REJECTED})
        for spec in self.plan.risks:
            if spec.source_id in self.via_services["risks"]:
                self.risks[spec.source_id] = self._move(self.risks[spec.source_id], spec, RISK_TRANSITIONS,
                                                        services.risk_transition, "risk",
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
        created, updated = result.counts("created"), result.counts("updated")
        entries = [*applier.new.entries, AuditEntry.for_object(result.system, "system.imported", {
            "format": [None, prepared.plan.format], "file_sha256": [None, file_sha256],
            "created": [None, created], "updated": [None, updated]})]
        audit_record_many(team=team, actor=actor, entries=entries)
        emit(team, "system.imported", object_payload(result.system, "system", format=prepared.plan.format,
                                                     created=created, updated=updated))
    return result
