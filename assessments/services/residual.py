"""Keeping residual scores in step with mitigations (the rule lives in assessments.scoring)."""

from django.db.models import Prefetch
from django.utils import timezone

from ..fields import RISK_SCORES
from ..models import Mitigation, Risk
from ..scoring import suggest_residual
from .audit import AuditEntry


def suggested_residual_for(risk: Risk, mitigations=None) -> tuple[int, int]:
    if mitigations is None:
        mitigations = risk.mitigations.all()
    return suggest_residual(risk.likelihood, risk.impact, ((m.status, m.kind) for m in mitigations))


def refresh_residuals(risk_ids, *, exclude_mitigation_ids=()) -> list[AuditEntry]:
    """Recompute the suggested residual of the given risks (those not overridden by an assessor).

    Writes the risks whose residual changed (version bumped) and returns one audit entry per risk,
    for the caller to append in its transaction.
    """
    risk_ids = sorted(set(risk_ids))
    if not risk_ids:
        return []
    mitigations = Mitigation.objects.only("id", "status", "kind").exclude(pk__in=list(exclude_mitigation_ids))
    risks = (Risk.objects.filter(pk__in=risk_ids, residual_overridden=False)
             .only("id", "title", *RISK_SCORES, "version")
             .prefetch_related(Prefetch("mitigations", queryset=mitigations)))
    now = timezone.now()
    changed, entries = [], []
    for risk in risks:
        new = suggested_residual_for(risk)
        old = (risk.residual_likelihood, risk.residual_impact)
        if new == old:
            continue
        risk.residual_likelihood, risk.residual_impact = new
        risk.version += 1
        risk.updated_at = now
        changed.append(risk)
        entries.append(AuditEntry.for_object(risk, "risk.residual_updated", {
            "residual_likelihood": [old[0], new[0]], "residual_impact": [old[1], new[1]]}))
    if changed:
        Risk.objects.bulk_update(changed, [*RISK_SCORES[2:], "version", "updated_at"])
    return entries
