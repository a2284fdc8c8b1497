"""Reads of the register, always scoped to the requesting user's (or token's) teams.

An object of another team is a 404 (Http404), never a 403 that confirms it exists. The list
readers prefetch everything a register row shows, so a page costs the same number of queries
whatever the number of risks on it.
"""

import datetime

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from catalog.models import FrameworkItem
from threatmodel.models import ApiToken, AuditEvent
from threatmodel.selectors import team_ids_for

from . import scoring
from .models import (
    MITIGATION_DONE,
    ExternalRef,
    Mitigation,
    Review,
    Risk,
    SystemReviewState,
)
from .risk_q import overdue_risk_q

# --- scoped lookups ----------------------------------------------------------------------------

def risks_for(user, token: ApiToken | None = None) -> QuerySet[Risk]:
    return Risk.objects.filter(system__team_id__in=team_ids_for(user, token)).select_related(
        "system__team", "component", "template", "owner", "accepted_by")


def risk_get(user, pk, token: ApiToken | None = None) -> Risk:
    risk = risks_for(user, token).filter(pk=pk).first()
    if risk is None:
        raise Http404("No such risk.")
    return risk


def mitigations_for(user, token: ApiToken | None = None) -> QuerySet[Mitigation]:
    return Mitigation.objects.filter(system__team_id__in=team_ids_for(user, token)).select_related(
        "system__team", "control", "owner")


def mitigation_get(user, pk, token: ApiToken | None = None) -> Mitigation:
    mitigation = mitigations_for(user, token).filter(pk=pk).first()
    if mitigation is None:
        raise Http404("No such mitigation.")
    return mitigation


def external_refs_for(user, token: ApiToken | None = None) -> QuerySet[ExternalRef]:
    return ExternalRef.objects.filter(team_id__in=team_ids_for(user, token))


# --- relations a register row shows ----------------------------------------------------------

def framework_items_prefetch(lookup: str) -> Prefetch:
    return Prefetch(lookup, queryset=FrameworkItem.objects.select_related("framework").order_by(
        "framework__position", "position", "ref"))


def with_register_relations(qs: QuerySet[Risk]) -> QuerySet[Risk]:
    """Everything a register row, an export row or an API risk shows, in a fixed number of queries."""
    return qs.select_related("system__team", "component", "template", "owner", "accepted_by").prefetch_related(
        framework_items_prefetch("template__mappings"),
        framework_items_prefetch("custom_mappings"),
        Prefetch("mitigations", queryset=Mitigation.objects.only("id", "title", "status", "kind").order_by("id")),
        Prefetch("external_refs", queryset=ExternalRef.objects.order_by("tracker", "key", "id")),
    )


def with_mitigation_relations(qs: QuerySet[Mitigation]) -> QuerySet[Mitigation]:
    return qs.select_related("system__team", "control", "owner").prefetch_related(
        framework_items_prefetch("control__mappings"),
        Prefetch("risks", queryset=Risk.objects.only("id", "title", "status", "system_id").order_by("id")),
        Prefetch("external_refs", queryset=ExternalRef.objects.order_by("tracker", "key", "id")),
    )


# --- register filters -------------------------------------------------------------------------


def overdue_mitigation_q(today: datetime.date | None = None) -> Q:
    today = today or timezone.localdate()
    return Q(due__lt=today) & ~Q(status__in=MITIGATION_DONE)


SORTS = {
    "score": ("-score_value", "-band_rank", "id"),
    "-score": ("score_value", "band_rank", "id"),
    "band": ("-band_rank", "-score_value", "id"),
    "residual": ("-residual_score_value", "id"),
    "due": (F("due").asc(nulls_last=True), "id"),
    "status": ("status_rank", "-score_value", "id"),
    "title": ("title", "id"),
    "component": (F("component__name").asc(nulls_first=True), "-score_value", "id"),
    "owner": (F("owner__username").asc(nulls_last=True), "-score_value", "id"),
    "updated": ("-updated_at", "-id"),
    "id": ("id",),
}
STATUS_ORDER = ("suggested", "open", "mitigating", "closed", "dismissed")


def register_rows(base: QuerySet[Risk], matrix, params=None, *, sort: str = "score", **filters) -> QuerySet[Risk]:
    """Filter (assessments.filters.RiskFilterSet: the API's parameters) and sort a register, from the request's
    query (`params`) or keyword filters (strings, or lists of them). A value the FilterSet cannot read is
    ignored."""
    from django.db.models import Case, IntegerField, Value, When
    from django.http import QueryDict

    from .filters import RiskFilterSet

    qs = base.annotate(
        score_value=F("likelihood") * F("impact"),
        residual_score_value=F("residual_likelihood") * F("residual_impact"),
        band_rank=scoring.band_rank_expression(matrix),
        status_rank=Case(*[When(status=s, then=Value(i)) for i, s in enumerate(STATUS_ORDER)],
                         default=Value(9), output_field=IntegerField()),
    )
    data = params.copy() if params is not None else QueryDict(mutable=True)
    for name, value in filters.items():
        if value:
            data.setlist(name, [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)])
    sort = data.get("sort") or sort
    qs = RiskFilterSet(data, queryset=qs).qs
    return qs.order_by(*SORTS.get(sort, SORTS["score"]))


def framework_items_in_use(risks: QuerySet[Risk]) -> QuerySet[FrameworkItem]:
    """The framework items the given risks map to (for the register's filter), in framework order."""
    template_ids = risks.filter(template__isnull=False).values("template_id")
    custom = Risk.custom_mappings.through.objects.filter(risk__in=risks.values("pk")).values("frameworkitem_id")
    via_template = FrameworkItem.threats.through.objects.filter(threattemplate_id__in=template_ids).values(
        "frameworkitem_id")
    return (FrameworkItem.objects.filter(Q(pk__in=via_template) | Q(pk__in=custom))
            .select_related("framework").order_by("framework__position", "position", "ref"))


# --- summaries --------------------------------------------------------------------------------

def register_counts(risks: QuerySet[Risk], matrix) -> dict:
    """Counts by status and by band (inherent and residual) for a register header; three queries."""
    by_status = dict(risks.order_by().values_list("status").annotate(n=Count("id")))
    active = risks.exclude(status="dismissed")
    cells = active.order_by().values_list("likelihood", "impact").annotate(n=Count("id"))
    residual_cells = active.order_by().values_list("residual_likelihood", "residual_impact").annotate(n=Count("id"))
    by_band = dict.fromkeys(scoring.BANDS, 0)
    heat, residual_heat = [], []
    for li, im, n in cells:
        by_band[scoring.band(li, im, matrix)] += n
        heat += [(li, im)] * n
    for li, im, n in residual_cells:
        residual_heat += [(li, im)] * n
    return {"by_status": by_status, "by_band": by_band, "total": sum(by_status.values()),
            "heat": scoring.heat_map(heat, matrix), "residual_heat": scoring.heat_map(residual_heat, matrix),
            "overdue": risks.filter(overdue_risk_q()).count()}


def review_state(system) -> SystemReviewState | None:
    return SystemReviewState.objects.filter(system=system).first()


def new_since_review_count(system) -> int:
    """"N new threats since your last review": risks the catalog added since the team last reviewed."""
    state = review_state(system)
    if state is None or not state.new_risk_ids:
        return 0
    return Risk.objects.filter(system=system, pk__in=state.new_risk_ids).count()


def new_since_review_by_system(system_ids) -> dict[int, int]:
    out = {}
    states = SystemReviewState.objects.filter(system_id__in=list(system_ids)).exclude(new_risk_ids=[])
    wanted = {s.system_id: set(s.new_risk_ids) for s in states}
    if not wanted:
        return out
    existing = Risk.objects.filter(pk__in=set().union(*wanted.values())).values_list("system_id", "pk")
    for system_id, pk in existing:
        if pk in wanted.get(system_id, ()):
            out[system_id] = out.get(system_id, 0) + 1
    return out


def reviews_for(system) -> QuerySet[Review]:
    return Review.objects.filter(system=system).select_related("user").order_by("-round", "-id")


# --- history ----------------------------------------------------------------------------------

def history_for(obj) -> QuerySet[AuditEvent]:
    """An object's audit events, newest first (read-only everywhere)."""
    return AuditEvent.objects.filter(team_id=obj.system.team_id, object_type=obj._meta.label_lower,
                                     object_id=str(obj.pk)).select_related("actor").order_by("-seq")
