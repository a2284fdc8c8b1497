"""The objects an import creates, written in bulk: one insert per kind, one batch of audit events.

A model from another tool is mostly new objects (a 1 MB Threat Dragon file: 2,000 risks). Creating each
through its service costs a lock, a validation query per foreign key, an audit append and a webhook row
per object, some 20-30 ms each; here every new object is checked by the same rules the services apply
(``clean_text``, ``validate_level``, the status graphs, ``full_clean`` without the foreign-key queries:
the related objects come from this import or from the prepared plan), then inserted with
``bulk_create``, and one ``<kind>.created`` audit entry per object is appended with the import's own
event (``audit_record_many``). A new object starts at the status the file gives it (the shortest path
of the status graph must lead there, as when a person moves it) and a new risk's residual score follows
its new mitigations at once. Objects imported before are updated through their services (``apply``).
"""

from collections import deque

from django.core.exceptions import ValidationError
from django.utils import timezone

from threatmodel.audit import AuditEntry, diff
from threatmodel.models import Component, DataFlow
from threatmodel.services.common import snapshot
from threatmodel.services.systems import COMPONENT_FIELDS, FLOW_FIELDS

from .. import notifications
from ..models import (
    MITIGATION_REASON_REQUIRED,
    MITIGATION_TRANSITIONS,
    RISK_REASON_REQUIRED,
    RISK_TRANSITIONS,
    ControlKind,
    Mitigation,
    MitigationStatus,
    Risk,
    RiskStatus,
)
from ..scoring import suggest_residual, validate_level
from ..services.common import clean_links, clean_text, to_date
from ..services.mitigations import mitigation_snapshot
from ..services.residual import refresh_residuals
from ..services.risk_checks import check_treatment, mapping_labels
from ..services.risks import risk_snapshot
from .errors import problem_from
from .plan import Note

RISK_FKS = ["system", "template", "component", "owner", "accepted_by", "custom_mappings"]
MITIGATION_FKS = ["system", "control", "owner", "implemented_by", "verified_by", "risks"]


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


def _imported_reason(status: str, reason: str, required) -> str:
    return reason or (f"Imported: {status} in the source file." if status in required else "")


class NewObjects:
    """Builds the new objects of one import; ``entries`` collects their audit entries."""

    def __init__(self, applier):
        self.applier = applier
        self.entries: list[AuditEntry] = []
        self.now = timezone.now()

    def _note(self, path: str, message: str) -> None:
        self.applier.result.notes.append(Note(path, message, "changed"))

    # --- components and flows -------------------------------------------------------------------------
    def components(self, specs) -> list[Component]:
        a = self.applier
        taken = {}
        for kind in {a.prepared.kinds[s.source_id] for s in specs}:
            taken[kind] = Component.objects.filter(system=a.system, kind=kind).count()
        out = []
        for spec in specs:
            kind = a.prepared.kinds[spec.source_id]
            position = spec.position if a.exact else None
            if position is None:
                position, taken[kind] = taken[kind], taken[kind] + 1
            component = Component(system=a.system, kind=kind, name=spec.name, description=spec.description,
                                  answers=dict(a.prepared.component_answers[spec.source_id]), position=position,
                                  trust_zone=spec.trust_zone or "")
            try:
                component.full_clean(exclude=["system"], validate_unique=False, validate_constraints=False)
            except ValidationError as exc:
                raise problem_from(exc, spec.path, f"component '{spec.name[:60]}'") from None
            out.append(component)
        Component.objects.bulk_create(out, batch_size=500)
        self.entries += [AuditEntry.for_object(c, "component.created", diff({}, snapshot(c, COMPONENT_FIELDS)))
                         for c in out]
        return out

    def flows(self, specs, components: dict) -> list[DataFlow]:
        a = self.applier
        out = []
        for spec in specs:
            source, target = components[spec.source], components[spec.target]
            label = f"flow '{spec.label[:60] or spec.source_id}'"
            if source.pk == target.pk:
                raise problem_from(ValidationError({"target": "A flow needs two different components."}), spec.path,
                                   label)
            flow = DataFlow(system=a.system, source=source, target=target, label=spec.label,
                            answers=dict(a.prepared.flow_answers[spec.source_id]))
            try:
                flow.full_clean(exclude=["system", "source", "target"], validate_unique=False,
                                validate_constraints=False)
            except ValidationError as exc:
                raise problem_from(exc, spec.path, label) from None
            out.append(flow)
        DataFlow.objects.bulk_create(out, batch_size=500)
        self.entries += [AuditEntry.for_object(f, "flow.created", diff({}, snapshot(f, FLOW_FIELDS))) for f in out]
        return out

    # --- risks ------------------------------------------------------------------------------------------
    def risk(self, spec, component, template, match=None) -> Risk:
        """A new risk (unsaved): custom, or a catalog threat (``template``) with the engine's ``match`` here."""
        a, p = self.applier, self.applier.prepared
        try:
            risk = Risk(system=a.system, template=template, component=component,
                        title=clean_text(spec.title, "title", max_length=300, required=True),
                        description=clean_text(spec.description, "description"),
                        likelihood=validate_level(spec.likelihood, "likelihood"),
                        impact=validate_level(spec.impact, "impact"))
            if template is not None:
                # As the engine suggested it here: a dismissal stays one while the facts behind it are the same.
                risk.status = spec.status
                risk.status_reason = _imported_reason(spec.status, spec.status_reason, RISK_REASON_REQUIRED)
                if match is not None:
                    from ..resuggest import match_why

                    risk.why, risk.fingerprint = match_why(match), match.fingerprint
            else:
                risk.status = RiskStatus.OPEN
                self._walk(risk, spec, RISK_TRANSITIONS, RISK_REASON_REQUIRED, "risk")
                risk.acted_at = self.now if a.actor is not None else None
            if a.exact:
                risk.owner, risk.due = p.user(spec.owner), to_date(spec.due, "due")
                risk.treatment = check_treatment(spec.treatment if spec.treatment != "accept" else "")
            risk.residual_likelihood, risk.residual_impact = risk.likelihood, risk.impact
            risk.full_clean(exclude=RISK_FKS, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            raise problem_from(exc, spec.path, f"risk '{spec.title[:60]}'") from None
        return risk

    def _walk(self, obj, spec, graph: dict, required, what: str) -> None:
        """Set the file's status if the graph leads there from the initial one (as a person would move it)."""
        path = status_path(graph, obj.status, spec.status)
        if path is None:
            if not self.applier.exact:
                self._note(spec.path, f"{what} '{spec.title[:60]}' cannot go from {obj.status} to {spec.status} "
                                      f"here: left {obj.status}")
            return  # a restore sets it exactly afterwards
        if path:
            obj.status = spec.status
            obj.status_reason = _imported_reason(spec.status, spec.status_reason, required)

    def save_risks(self, risks: list[Risk], mappings: dict[int, list]) -> None:
        """Insert the new risks and their framework mappings (``mappings``: index in ``risks`` -> items)."""
        Risk.objects.bulk_create(risks, batch_size=500)
        through = Risk.custom_mappings.through
        rows = [through(risk_id=risks[i].pk, frameworkitem_id=item.pk) for i, items in mappings.items()
                for item in items]
        through.objects.bulk_create(rows, batch_size=1000)
        for i, risk in enumerate(risks):
            notifications.notify_assigned(risk, risk.owner, self.applier.actor)
            changes = diff({}, risk_snapshot(risk))
            if i in mappings:
                changes["mappings"] = [None, mapping_labels(mappings[i])]
            self.entries.append(AuditEntry.for_object(risk, "risk.created", changes))

    # --- mitigations ------------------------------------------------------------------------------------
    def mitigation(self, spec, control) -> Mitigation:
        a, p = self.applier, self.applier.prepared
        try:
            kind = spec.kind or (control.kind if control else ControlKind.PREVENTIVE)
            if kind not in ControlKind.values:
                raise ValidationError({"kind": f"'{kind}' is not one of {', '.join(ControlKind.values)}."})
            m = Mitigation(system=a.system, control=control, kind=kind,
                           title=clean_text(spec.title or (control.title if control else ""), "title",
                                            max_length=300, required=True),
                           description=clean_text(spec.description or (control.description if control else ""),
                                                  "description"))
            if a.exact:
                m.owner, m.due = p.user(spec.owner), to_date(spec.due, "due")
                m.evidence, m.evidence_links = clean_text(spec.evidence, "evidence"), clean_links(spec.evidence_links)
            self._walk(m, spec, MITIGATION_TRANSITIONS, MITIGATION_REASON_REQUIRED, "mitigation")
            if m.status == MitigationStatus.VERIFIED and not (m.evidence or m.evidence_links):
                if a.exact:
                    raise ValidationError({"evidence": "Record the evidence before marking the mitigation verified."})
                m.status, m.status_reason = MitigationStatus.IMPLEMENTED, ""
                self._note(spec.path, f"mitigation '{spec.title[:60]}' is verified in the file, but verifying needs "
                                      "evidence here: left implemented")
            person = a.actor if getattr(a.actor, "pk", None) else None
            if m.status in (MitigationStatus.IMPLEMENTED, MitigationStatus.VERIFIED):
                m.implemented_by, m.implemented_at = person, self.now
            if m.status == MitigationStatus.VERIFIED:
                m.verified_by, m.verified_at = person, self.now
            m.full_clean(exclude=MITIGATION_FKS, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            raise problem_from(exc, spec.path, f"mitigation '{spec.title[:60]}'") from None
        return m

    @staticmethod
    def residuals(risks: list[Risk], linked: dict[int, list[Mitigation]]) -> None:
        """A new risk's suggested residual, from the new mitigations linked to it (``linked``: index -> them)."""
        for i, mitigations in linked.items():
            risk = risks[i]
            risk.residual_likelihood, risk.residual_impact = suggest_residual(
                risk.likelihood, risk.impact, ((m.status, m.kind) for m in mitigations))

    def save_mitigations(self, mitigations: list[Mitigation], links: list[list[int]]) -> None:
        """Insert the new mitigations and their links (``links[i]``: the risk ids of ``mitigations[i]``)."""
        Mitigation.objects.bulk_create(mitigations, batch_size=500)
        through = Mitigation.risks.through
        through.objects.bulk_create([through(mitigation_id=m.pk, risk_id=risk_id)
                                     for m, ids in zip(mitigations, links, strict=True) for risk_id in ids],
                                    batch_size=1000)
        for m, ids in zip(mitigations, links, strict=True):
            notifications.notify_assigned(m, m.owner, self.applier.actor)
            self.entries.append(AuditEntry.for_object(m, "mitigation.created", diff({}, mitigation_snapshot(m, ids))))

    def link_existing(self, mitigations: list[Mitigation], links: list[list[int]], new_risk_ids: set[int]) -> None:
        """Risks imported before that a new mitigation links to: bumped, the link in their own history, and
        their residual scores refreshed (a new risk's residual was set before it was inserted)."""
        added: dict[int, set[int]] = {}
        for m, ids in zip(mitigations, links, strict=True):
            for risk_id in ids:
                if risk_id not in new_risk_ids:
                    added.setdefault(risk_id, set()).add(m.pk)
        if not added:
            return
        risks = list(Risk.objects.select_for_update().filter(pk__in=added).prefetch_related("mitigations"))
        for risk in risks:
            current = {m.pk for m in risk.mitigations.all()}
            risk.version += 1
            risk.updated_at = self.now
            if self.applier.actor is not None and risk.acted_at is None:
                risk.acted_at = self.now
            self.entries.append(AuditEntry.for_object(risk, "risk.mitigation_linked", {
                "mitigations": [sorted(current - added[risk.pk]), sorted(current)]}))
        Risk.objects.bulk_update(risks, ["version", "updated_at", "acted_at"])
        self.entries += refresh_residuals(added)
