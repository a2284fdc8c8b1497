"""Reads for imports and exports, scoped to the teams of the user (or token); another team's is a 404."""

from django.db.models import QuerySet
from django.http import Http404

from threatmodel.models import Role
from threatmodel.selectors import team_ids_for

from ..models import ImportRecord


def imports_for(user, token=None) -> QuerySet[ImportRecord]:
    return (ImportRecord.objects.filter(team_id__in=team_ids_for(user, token))
            .select_related("team", "system", "created_by").defer("content"))


def import_get(user, pk, token=None) -> ImportRecord:
    record = ImportRecord.objects.filter(team_id__in=team_ids_for(user, token), pk=pk).select_related(
        "team", "system", "update_of__system").first()
    if record is None:
        raise Http404("No such import.")
    return record


def teams_to_import_into(user):
    """The teams where the user may import (contributors and owners)."""
    from threatmodel.models import Membership

    return [m.team for m in Membership.objects.filter(user=user).select_related("team").order_by("team__name")
            if m.has_role(Role.CONTRIBUTOR)]
