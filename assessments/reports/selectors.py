"""Reads of reports, scoped to the caller's teams (another team's report is a 404)."""

from django.db.models import QuerySet
from django.http import Http404

from threatmodel.selectors import team_ids_for

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
