"""Re-suggesting: keeping a system's register in step with its model and the catalog.

One name everywhere: this module (`resuggest_system`), the Celery task `assessments.tasks.resuggest_system`,
the command `manage.py resuggest`, and the hooks `queue_resuggest` / `queue_resuggest_all` that queue it.

The catalog engine says *what applies when* (``catalog.engine.evaluate``: one ``Match`` per threat
and component, with the facts that made it apply and a fingerprint of those facts); this module
decides what that means for the register, which holds *what the team decided*:

- a new match becomes a risk with status ``suggested``, carrying its template, component, the
  facts that triggered it (``why``) and the template's default likelihood and impact;
- a suggestion nobody acted on (still ``suggested``, never touched by a person, no mitigation or
  ticket) that no longer matches is removed, with a tombstone for delta-syncing clients;
- a risk the team acted on that no longer matches is kept and flagged ``stale``, with the reason;
  when it matches again the flag is cleared;
- a dismissed risk stays dismissed while the facts behind it are the same; when they change (a new
  fingerprint) it comes back as ``suggested`` with a note naming the earlier dismissal.

Identity is (template, component): one risk per threat template and component (component null for
system-wide threats). Re-suggesting is idempotent: a second run finds nothing to do, writes nothing
and records no audit event. A run locks the system row, so two runs of the same system (a task
delivered twice) serialise and the second is a no-op.

Everything is done in bulk: a handful of queries to read, one bulk insert / update / delete per
kind of change, and the audit events appended in one batch (``services.audit.audit_record_many``).
"""

import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from catalog.engine import ComponentFacts, FlowFacts, current_catalog, evaluate
from catalog.models import ThreatTemplate
from threatmodel.models import AISystem, Component, DataFlow, Tombstone

from .fields import RISK_RECONCILE_READ, RISK_RECONCILE_WRITE
from .models import ExternalRef, Mitigation, Risk, RiskStatus, SystemReviewState
from .services.audit import AuditEntry, audit_record_many

log = logging.getLogger(__name__)

EXISTING_FIELDS = RISK_RECONCILE_READ
UPDATE_FIELDS = list(RISK_RECONCILE_WRITE)


@dataclass
class ResuggestResult:
    system_id: int
    catalog_version: str = ""
    matches: int = 0
    created: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    staled: list[int] = field(default_factory=list)
    resuggested: list[int] = field(default_factory=list)
    refreshed: list[int] = field(default_factory=list)
    skipped_refs: list[str] = field(default_factory=list)  # matched, but the template is not loaded in the DB

    @property
    def changed(self) -> bool:
        return bool(self.created or self.removed or self.staled or self.resuggested or self.refreshed)

    def as_dict(self) -> dict:
        return {"system": self.system_id, "catalog_version": self.catalog_version, "matches": self.matches,
                "created": len(self.created), "removed": len(self.removed), "staled": len(self.staled),
                "resuggested": len(self.resuggested), "refreshed": len(self.refreshed),
                "skipped_refs": self.skipped_refs}


def system_facts(system: AISystem) -> tuple[list[ComponentFacts], list[FlowFacts]]:
    components = [ComponentFacts(id=pk, kind=kind, name=name, answers=answers or {}) for pk, kind, name, answers in
                  Component.objects.filter(system=system).order_by("id").values_list("id", "kind", "name", "answers")]
    flows = [FlowFacts(id=pk, source_id=s, target_id=t, answers=answers or {}) for pk, s, t, answers in
             DataFlow.objects.filter(system=system).order_by("id").values_list("id", "source_id", "target_id",
                                                                                 "answers")]
    return components, flows


def _stale_reason(risk: Risk, catalog) -> str:
    info = catalog.threats.get(risk.template_ref)
    if info is None:
        return f"{risk.template_ref} is no longer in the catalog (release {catalog.version})."
    if risk.component_id is None and "system" not in tuple(info.applies_to):
        return "The component it was found on was deleted."
    why = "; ".join(str(w) for w in (risk.why or []))
    return "It no longer applies: the facts that triggered it changed" + (f" (it applied because: {why})." if why
                                                                           else ".")


def match_why(match) -> list[str]:
    """What the register shows for a suggestion: the facts behind it, the reason for each change of
    its default score, and each control an answer shows to be in place already."""
    return [*match.why, *getattr(match, "score_why", ()),
            *(f"Control {ref} already in place: {reason}" for ref, reason in getattr(match, "in_place", ()))]


def _is_removable(risk: Risk) -> bool:
    return risk.status == RiskStatus.SUGGESTED and risk.acted_at is None


def resuggest_system(system_id: int, *, catalog=None) -> ResuggestResult:
    """Evaluate the catalog for one system and bring its register in step. Safe to run any number of times."""
    catalog = catalog or current_catalog()
    result = ResuggestResult(system_id=system_id, catalog_version=catalog.version or "")
    with transaction.atomic():
        # Lock order (PostgreSQL): a component write locks the team row for its audit event and then, at
        # COMMIT (deferred foreign keys), takes a key-share lock on its system row. So this locks the system
        # row only (not the team's, as a FOR UPDATE on the join would) and in NO KEY UPDATE mode, which
        # serialises two runs of one system without blocking those key-share locks; the team is locked
        # after, by the audit chain, as every writer does.
        system = (AISystem.objects.select_for_update(of=("self",), no_key=True).select_related("team")
                  .filter(pk=system_id).first())
        if system is None:
            return result
        components, flows = system_facts(system)
        matches = evaluate(catalog, system.answers or {}, components, flows)
        result.matches = len(matches)
        wanted: dict[tuple[str, int | None], object] = {}
        for match in matches:
            wanted.setdefault((match.threat_ref, match.component_id), match)
        existing = list(Risk.objects.filter(system=system, template__isnull=False)
                        .annotate(template_ref=F("template__ref")).only(*EXISTING_FIELDS).order_by("id"))
        # Template rows: to create risks, and to let unacted suggestions follow their template.
        templates: dict[str, tuple[int, str]] = {}
        if wanted:
            templates = {ref: (pk, desc) for ref, pk, desc in ThreatTemplate.objects.filter(
                ref__in={ref for ref, _ in wanted}).values_list("ref", "id", "description")}
        now = timezone.now()
        entries: list[AuditEntry] = []
        updates: list[Risk] = []
        unmatched: list[Risk] = []
        for risk in existing:
            match = wanted.pop((risk.template_ref, risk.component_id), None)
            if match is None:
                unmatched.append(risk)
                continue
            action, diff = _apply_match(risk, match)
            if _is_removable(risk):
                diff.update(_refresh_from_template(risk, catalog, templates, match))
            if diff:
                action = action or "risk.refreshed"
                risk.version += 1
                risk.updated_at = now
                entries.append(AuditEntry.for_object(risk, action, diff))
                (result.resuggested if action == "risk.resuggested" else result.refreshed).append(risk.pk)
                updates.append(risk)

        # No longer matching: remove what nobody acted on, flag the rest stale.
        removable = [r for r in unmatched if _is_removable(r)]
        if removable:
            ids = [r.pk for r in removable]
            linked = set(ExternalRef.objects.filter(risk_id__in=ids).values_list("risk_id", flat=True))
            linked |= set(Mitigation.risks.through.objects.filter(risk_id__in=ids).values_list("risk_id", flat=True))
            removable = [r for r in removable if r.pk not in linked]
        removable_ids = {r.pk for r in removable}
        for risk in unmatched:
            if risk.pk in removable_ids:
                entries.append(AuditEntry.for_object(risk, "risk.removed", {
                    "template": [risk.template_ref, None], "component": [risk.component_id, None],
                    "status": [risk.status, None], "why": [risk.why, None]}))
                result.removed.append(risk.pk)
            elif not risk.stale:
                reason = _stale_reason(risk, catalog)
                entries.append(AuditEntry.for_object(risk, "risk.stale", {
                    "stale": [False, True], "stale_reason": [risk.stale_reason or "", reason]}))
                risk.stale, risk.stale_reason = True, reason
                risk.version += 1
                risk.updated_at = now
                updates.append(risk)
                result.staled.append(risk.pk)

        # New matches become suggestions.
        created = []
        for (ref, component_id), match in wanted.items():
            info = catalog.threats.get(ref)
            template = templates.get(ref)
            if info is None or template is None:
                result.skipped_refs.append(ref)
                continue
            likelihood, impact = int(match.likelihood), int(match.impact)
            created.append(Risk(
                system=system, template_id=template[0], component_id=component_id, title=info.title[:300],
                description=template[1] or "", status=RiskStatus.SUGGESTED, why=match_why(match),
                fingerprint=match.fingerprint, likelihood=likelihood, impact=impact,
                residual_likelihood=likelihood, residual_impact=impact))
        if result.skipped_refs:
            log.warning("resuggest system %s: %d matched threats have no template row (is the catalog loaded?): %s",
                        system.pk, len(result.skipped_refs), ", ".join(sorted(set(result.skipped_refs))[:10]))

        if created:
            Risk.objects.bulk_create(created, batch_size=500)
            ref_by_id = {pk: ref for ref, (pk, _desc) in templates.items()}
            for risk in created:
                result.created.append(risk.pk)
                # The title is the event's object_repr; the facts are pinned by their fingerprint.
                entries.append(AuditEntry.for_object(risk, "risk.suggested", {
                    "template": [None, ref_by_id.get(risk.template_id)], "component": [None, risk.component_id],
                    "status": [None, risk.status], "likelihood": [None, risk.likelihood],
                    "impact": [None, risk.impact], "fingerprint": [None, risk.fingerprint]}))
        if updates:
            # `description` is only loaded (set) on suggestions refreshed from their template.
            with_text = [r for r in updates if "description" not in r.get_deferred_fields()]
            without_text = [r for r in updates if "description" in r.get_deferred_fields()]
            if with_text:
                Risk.objects.bulk_update(with_text, [*UPDATE_FIELDS, "description"], batch_size=500)
            if without_text:
                Risk.objects.bulk_update(without_text, UPDATE_FIELDS, batch_size=500)
        if removable:
            Tombstone.objects.bulk_create([Tombstone(team=system.team, object_type="risk", object_id=str(r.pk))
                                           for r in removable])
            Risk.objects.filter(pk__in=removable_ids).delete()
        audit_record_many(team=system.team, actor=None, entries=entries)
        _track_new_since_review(system, catalog, result)
    return result


def _apply_match(risk: Risk, match) -> tuple[str, dict]:
    """Bring an existing risk in line with a current match: (audit action or "", diff)."""
    why = match_why(match)
    diff: dict = {}
    action = ""
    if risk.status == RiskStatus.DISMISSED and risk.fingerprint != match.fingerprint:
        note = (f"Suggested again on {timezone.localdate():%Y-%m-%d}: the facts behind it changed since it was "
                "dismissed" + (f" (dismissed because: {risk.status_reason})" if risk.status_reason else "") + ".")
        diff.update({"status": [risk.status, RiskStatus.SUGGESTED], "status_reason": [risk.status_reason, note]})
        risk.status, risk.status_reason = RiskStatus.SUGGESTED, note
        action = "risk.resuggested"
    if risk.fingerprint != match.fingerprint or list(risk.why or []) != why:
        diff.update({"why": [risk.why, why], "fingerprint": [risk.fingerprint, match.fingerprint]})
        risk.why, risk.fingerprint = why, match.fingerprint
    if risk.stale:
        diff.update({"stale": [True, False], "stale_reason": [risk.stale_reason, ""]})
        risk.stale, risk.stale_reason = False, ""
    return action, diff


def _refresh_from_template(risk: Risk, catalog, templates: dict, match=None) -> dict:
    """An unacted suggestion follows its template and its context (title, description, scores)."""
    info = catalog.threats.get(risk.template_ref)
    template = templates.get(risk.template_ref)
    if info is None or template is None:
        return {}
    diff = {}
    wanted = {"title": info.title[:300],
              "likelihood": int(match.likelihood if match is not None else info.default_likelihood),
              "impact": int(match.impact if match is not None else info.default_impact)}
    for name, value in wanted.items():
        if getattr(risk, name) != value:
            diff[name] = [getattr(risk, name), value]
            setattr(risk, name, value)
    if diff:
        if "likelihood" in diff or "impact" in diff:
            risk.residual_likelihood, risk.residual_impact = risk.likelihood, risk.impact
        risk.description = template[1] or ""
    return diff


def _track_new_since_review(system: AISystem, catalog, result: ResuggestResult) -> None:
    """Risks suggested because the catalog changed (not the model) count as new since the last review."""
    checksum = catalog.checksum or ""
    state = SystemReviewState.objects.filter(system=system).first()
    if state is None:
        SystemReviewState.objects.create(system=system, reconciled_checksum=checksum,
                                         reconciled_catalog_version=catalog.version or "")
        return
    new_ids = list(state.new_risk_ids or [])
    pruned = [pk for pk in new_ids if pk not in set(result.removed)]
    catalog_changed = checksum != state.reconciled_checksum
    if catalog_changed and state.reconciled_checksum:
        pruned += [pk for pk in result.created if pk not in pruned]
    if not catalog_changed and pruned == new_ids:
        return
    state.new_risk_ids = pruned
    state.reconciled_checksum = checksum
    state.reconciled_catalog_version = catalog.version or ""
    state.save(update_fields=["new_risk_ids", "reconciled_checksum", "reconciled_catalog_version"])
