"""Reads of reports, scoped to the caller's teams (another team's report is a 404)."""

from django.db.models import QuerySet
from django.http import Http404

from threatmodel.selectors import team_ids_for

from ..models import AssuranceScope, GovernanceEvidence
from ..models.reports import Report


def reports_for(user, token=None) -> QuerySet[Report]:
    return Report.objects.filter(system__team_id__in=team_ids_for(user, token)).select_related(
        "system__team", "requested_by")


def report_get(user, pk, token=None) -> Report:
    report = reports_for(user, token).filter(pk=pk).first()
    if report is None:
        raise Http404("No such report.")
    return report


def reports_of_system(system) -> QuerySet[Report]:
    return Report.objects.filter(system=system).select_related("system__team", "requested_by").order_by(
        "-created_at", "-id")


def governance_evidence_for(user, token=None) -> QuerySet[GovernanceEvidence]:
    """The organisation-level evidence of the caller's teams."""
    return GovernanceEvidence.objects.filter(team_id__in=team_ids_for(user, token)).select_related(
        "team", "recorded_by")


def governance_evidence_get(user, pk, token=None) -> GovernanceEvidence:
    evidence = governance_evidence_for(user, token).filter(pk=pk).first()
    if evidence is None:
        raise Http404("No such evidence.")
    return evidence


def assurance_scopes_for(user, token=None) -> QuerySet[AssuranceScope]:
    """The assurance scopes of the caller's teams' systems."""
    return AssuranceScope.objects.filter(system__team_id__in=team_ids_for(user, token)).select_related(
        "system__team")


def assurance_scope_of(system) -> AssuranceScope | None:
    return AssuranceScope.objects.filter(system=system).select_related("system__team").first()


def governance_evidence_of_team(team) -> QuerySet[GovernanceEvidence]:
    return GovernanceEvidence.objects.filter(team=team).select_related("team", "recorded_by").order_by("ref")


def governance_evidence_in(team, pk) -> GovernanceEvidence:
    """One entry of ``team`` (already scoped to the caller): another team's entry is a 404."""
    evidence = governance_evidence_of_team(team).filter(pk=pk).first()
    if evidence is None:
        raise Http404("No such evidence.")
    return evidence
