"""Writes of what the assurance report needs beside the register: a system's assurance scope (versions
in scope, reporting period) and the team's organisation-level evidence (the AI RMF checklist).

Each function checks the role (contributor or owner), validates (a ValidationError names the field),
writes in one transaction under the row's version and records one audit event.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from threatmodel.audit import audit_record, diff
from threatmodel.models import AISystem, Role, Team, Tombstone
from threatmodel.services.common import check_version, lock_system, require_role, snapshot

from ..models import ORG_CHECKLIST, SCOPE_COMPONENT_KINDS, AssuranceScope, GovernanceEvidence
from .common import clean_links, clean_text, to_date

VERSION_MAX = 120
STATEMENT_MAX = 8000
SCOPE_FIELDS = ("system_version", "component_versions", "period_start", "period_end")
EVIDENCE_FIELDS = ("ref", "statement", "evidence_links", "review_date")


def _scope_values(system: AISystem, values: dict) -> dict:
    unknown = set(values) - set(SCOPE_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "Not a field of the assurance scope."))
    out = {"system_version": clean_text(values.get("system_version"), "system_version", max_length=VERSION_MAX)}
    raw = values.get("component_versions") or {}
    if not isinstance(raw, dict):
        raise ValidationError({"component_versions": "An object {component id: version} is expected."})
    allowed = {str(pk): name for pk, name in system.components.filter(
        kind__in=SCOPE_COMPONENT_KINDS).values_list("pk", "name")}
    versions = {}
    for key, version in raw.items():
        if str(key) not in allowed:
            raise ValidationError({"component_versions": f"{key} is not a model or data-set component of "
                                                          f"'{system.name}'."})
        text = clean_text(version, f"component_versions.{key}", max_length=VERSION_MAX)
        if text:
            versions[str(key)] = text
    out["component_versions"] = dict(sorted(versions.items(), key=lambda kv: int(kv[0])))
    out["period_start"] = to_date(values.get("period_start"), "period_start")
    out["period_end"] = to_date(values.get("period_end"), "period_end")
    if out["period_start"] and out["period_end"] and out["period_end"] < out["period_start"]:
        raise ValidationError({"period_end": "The reporting period ends before it starts."})
    if bool(out["period_start"]) != bool(out["period_end"]):
        missing = "period_end" if out["period_start"] else "period_start"
        raise ValidationError({missing: "A reporting period needs both a start and an end."})
    return out


def assurance_scope_save(*, actor, system: AISystem, values: dict, partial: bool = False,
                         expected_version: int | None = None) -> AssuranceScope:
    """Create or replace the system's assurance scope (``partial``: fields left out keep their value)."""
    require_role(actor, system.team, Role.CONTRIBUTOR)
    with transaction.atomic():
        lock_system(system.pk)
        scope = AssuranceScope.objects.select_for_update().filter(system=system).first()
        if scope is not None:
            check_version(scope, expected_version)
        elif expected_version not in (None, 0):
            raise ValidationError({"version": "This system has no assurance scope yet (its version is 0)."})
        before = snapshot(scope, SCOPE_FIELDS) if scope else {}
        if partial and scope is not None:
            values = {**snapshot(scope, SCOPE_FIELDS), **values}
        cleaned = _scope_values(system, values)
        if scope is None:
            scope = AssuranceScope(system=system, **cleaned)
        else:
            for name, value in cleaned.items():
                setattr(scope, name, value)
            scope.version += 1
        scope.save()
        audit_record(team=system.team, actor=actor, action="assurance_scope.saved", obj=scope,
                     changes=diff(before, snapshot(scope, SCOPE_FIELDS)))
    return scope


def assurance_scope_delete(*, actor, scope: AssuranceScope, expected_version: int | None = None) -> None:
    _delete(actor=actor, team=scope.system.team, obj=scope, kind="assurance_scope", fields=SCOPE_FIELDS,
            expected_version=expected_version)


def _evidence_values(values: dict) -> dict:
    unknown = set(values) - set(EVIDENCE_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "Not a field of the organisation evidence."))
    ref = clean_text(values.get("ref"), "ref", required=True).upper()
    if ref not in ORG_CHECKLIST:
        raise ValidationError({"ref": f"'{ref}' is not on the organisation checklist ({', '.join(ORG_CHECKLIST)})."})
    return {"ref": ref,
            "statement": clean_text(values.get("statement"), "statement", max_length=STATEMENT_MAX, required=True),
            "evidence_links": clean_links(values.get("evidence_links")),
            "review_date": to_date(values.get("review_date"), "review_date")}


def _save_evidence(evidence: GovernanceEvidence) -> None:
    try:
        with transaction.atomic():
            evidence.save()
    except IntegrityError:
        raise ValidationError({"ref": f"The team already has evidence for {evidence.ref}: edit that entry."}) from None


def governance_evidence_create(*, actor, team: Team, **values) -> GovernanceEvidence:
    """Record what the organisation does for one checklist subcategory (one entry per team and ref)."""
    require_role(actor, team, Role.CONTRIBUTOR)
    cleaned = _evidence_values(values)
    with transaction.atomic():
        if GovernanceEvidence.objects.filter(team=team, ref=cleaned["ref"]).exists():
            raise ValidationError({"ref": f"The team already has evidence for {cleaned['ref']}: edit that entry."})
        evidence = GovernanceEvidence(team=team, recorded_by=actor if getattr(actor, "pk", None) else None,
                                      **cleaned)
        _save_evidence(evidence)
        audit_record(team=team, actor=actor, action="governance_evidence.created", obj=evidence,
                     changes=diff({}, snapshot(evidence, EVIDENCE_FIELDS)))
    return evidence


def governance_evidence_update(*, actor, evidence: GovernanceEvidence, changes: dict,
                               expected_version: int | None = None) -> GovernanceEvidence:
    """Change an entry (fields left out of ``changes`` keep theirs); the actor becomes its recorder."""
    team = evidence.team
    require_role(actor, team, Role.CONTRIBUTOR)
    with transaction.atomic():
        evidence = GovernanceEvidence.objects.select_for_update().select_related("team").get(pk=evidence.pk)
        check_version(evidence, expected_version)
        before = snapshot(evidence, EVIDENCE_FIELDS)
        cleaned = _evidence_values({**before, **changes})
        for name, value in cleaned.items():
            setattr(evidence, name, value)
        evidence.recorded_by = actor if getattr(actor, "pk", None) else evidence.recorded_by
        evidence.version += 1
        _save_evidence(evidence)
        audit_record(team=team, actor=actor, action="governance_evidence.updated", obj=evidence,
                     changes=diff(before, snapshot(evidence, EVIDENCE_FIELDS)))
    return evidence


def governance_evidence_delete(*, actor, evidence: GovernanceEvidence, expected_version: int | None = None) -> None:
    _delete(actor=actor, team=evidence.team, obj=evidence, kind="governance_evidence", fields=EVIDENCE_FIELDS,
            expected_version=expected_version)


def _delete(*, actor, team: Team, obj, kind: str, fields, expected_version: int | None) -> None:
    """Delete under a row lock at the expected version: one audit event with the removed values, a tombstone."""
    require_role(actor, team, Role.CONTRIBUTOR)
    with transaction.atomic():
        obj = type(obj).objects.select_for_update().get(pk=obj.pk)
        check_version(obj, expected_version)
        audit_record(team=team, actor=actor, action=f"{kind}.deleted", obj=obj, changes=diff(snapshot(obj, fields), {}))
        Tombstone.objects.create(team=team, object_type=kind, object_id=str(obj.pk))
        obj.delete()
