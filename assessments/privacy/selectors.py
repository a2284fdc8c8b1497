"""Reads of privacy assessments: always through a system the caller may see (threatmodel.selectors)."""

from dataclasses import dataclass

from django.db.models import Q

from threatmodel.selectors import system_model

from ..models import RISK_COUNTED, Risk
from ..models.privacy import DataProtectionOfficer, PrivacyAssessment
from . import dpia
from .dpia import screening_for
from .prefill import facts_from_model, infer
from .resolve import Resolved, resolve
from .schema import FIELDS, default_values

PRIVACY_NIST_REF = "MEASURE 2.10"


@dataclass
class PrivacyState:
    """A system's privacy answers as they stand: stored, inferred, resolved and screened."""

    system: object
    assessment: PrivacyAssessment | None
    inferred: dict
    resolved: Resolved
    screening: dpia.Screening

    @property
    def version(self) -> int:
        return self.assessment.version if self.assessment else 0

    @property
    def values(self) -> dict:
        return self.resolved.values()


def stored_values(assessment: PrivacyAssessment | None) -> dict:
    if assessment is None:
        return default_values()
    return {name: getattr(assessment, name) for name in FIELDS}


def privacy_state(system, assessment: PrivacyAssessment | None = None, *, fetch: bool = True) -> PrivacyState:
    if assessment is None and fetch:
        assessment = PrivacyAssessment.objects.filter(system=system).select_related("signed_off_by").first()
    components, flows = system_model(system)
    parts, links = facts_from_model(components, flows)
    stored = stored_values(assessment)
    stated = {"scope": stored.get("scope") or {}, "data_subjects": stored.get("data_subjects") or [],
              "data_categories": stored.get("data_categories") or [],
              "provenance": assessment.provenance if assessment else {}}
    inferred = infer(system.answers or {}, parts, links, stated)
    resolved = resolve(stored, assessment.provenance if assessment else {}, inferred)
    return PrivacyState(system, assessment, inferred, resolved, screening_for(resolved))


def infer_for(system, stored: dict, provenance: dict) -> dict:
    """What the model infers for ``system`` given the answers ``stored`` (a save recomputes it)."""
    components, flows = system_model(system)
    parts, links = facts_from_model(components, flows)
    stated = {"scope": stored.get("scope") or {}, "data_subjects": stored.get("data_subjects") or [],
              "data_categories": stored.get("data_categories") or [], "provenance": provenance or {}}
    return infer(system.answers or {}, parts, links, stated)


def is_dpo(user, team) -> bool:
    return bool(getattr(user, "pk", None)) and DataProtectionOfficer.objects.filter(team=team, user=user).exists()


def dpos_of(team) -> list:
    return [d.user for d in DataProtectionOfficer.objects.filter(team=team).select_related("user").order_by("id")]


def privacy_risks(system) -> list[Risk]:
    """Privacy-relevant risks of the register: from privacy-relevant threats, or custom risks mapped to MEASURE 2.10.
    Only risks a person triaged and kept (suggestions awaiting triage and dismissed risks are left out)."""
    return list(
        Risk.objects.filter(system=system, status__in=RISK_COUNTED)
        .filter(Q(template__privacy_relevant=True)
                | Q(template__isnull=True, custom_mappings__framework__key="NIST-AI-RMF",
                    custom_mappings__ref=PRIVACY_NIST_REF))
        .select_related("component", "template", "owner")
        .distinct()
        .order_by("id"))


def personal_data_flows(system) -> list:
    flows = system.flows.select_related("source", "target").order_by("id")
    return [f for f in flows if (f.answers or {}).get("personal_data") is True]


def privacy_summary(system) -> dict:
    """A few lines on the system's privacy assessment, for the assurance report."""
    state = privacy_state(system)
    a = state.assessment
    return {
        "exists": a is not None,
        "version": state.version,
        "dpia_result": state.screening.result,
        "dpia_label": state.screening.label,
        "criteria_met": state.screening.applies,
        "inferred": len(state.resolved.inferred_paths()),
        "signed_off": bool(a and a.signed_off),
        "signed_off_by": (a.signed_off_label if a and a.signed_off_at else ""),
        "signed_off_at": (a.signed_off_at.strftime("%Y-%m-%d") if a and a.signed_off_at else ""),
        "signed_off_version": a.signed_off_version if a else None,
        "dpo_advice_by": a.dpo_advice_label if a else "",
        "measures_approved_by": a.measures_approved_by if a else "",
        "residual_approved_by": a.residual_approved_by if a else "",
        "consulted": bool(a and (a.consultation or {}).get("entries")),
    }
