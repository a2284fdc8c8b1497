"""The register: per team and per system, filtered and sorted, with CSV and XLSX export of exactly that."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from threatmodel import selectors as tm_selectors
from threatmodel.models import AISystem, Component
from threatmodel.selectors import can_edit

from .. import exports, selectors, services
from ..forms import RegisterFilterForm
from ..models import Risk
from .common import matrix_of

PAGE_SIZE = 100


def _filtered(request, base, *, team, system=None):
    """(form, filtered queryset) for the request's GET parameters."""
    owners = get_user_model().objects.filter(memberships__team=team).order_by("username")
    components = (Component.objects.filter(system=system).order_by("kind", "position", "id")
                  if system is not None else None)
    systems = AISystem.objects.filter(team=team).order_by("name") if system is None else None
    form = RegisterFilterForm(request.GET or None, owners=owners, components=components, systems=systems,
                              framework_items=selectors.framework_items_in_use(base))
    form.is_valid()  # marks what it cannot read; the rows are filtered by the API's FilterSet
    rows = selectors.register_rows(base, matrix_of(team), request.GET)
    return form, selectors.with_register_relations(rows)


def _render_register(request, base, *, team, system=None):
    form, rows = _filtered(request, base, team=team, system=system)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    matrix = matrix_of(team)
    context = {
        "team": team, "system": system, "form": form, "page": page, "risks": page.object_list,
        "query": query.urlencode(), "counts": selectors.register_counts(base, matrix),
        "can_edit": can_edit(request.user, team), "bands": [(b, b.capitalize()) for b in ("low", "medium",
                                                                                               "high", "critical")],
    }
    if system is not None:
        context["new_since_review"] = selectors.new_since_review_count(system)
        context["review_state"] = selectors.review_state(system)
    else:
        systems = list(AISystem.objects.filter(team=team).order_by("name").only("id", "name"))
        new = selectors.new_since_review_by_system([s.pk for s in systems])
        context["systems_new"] = [(s, new[s.pk]) for s in systems if new.get(s.pk)]
    return render(request, "assessments/register.html", context)


@login_required
@require_GET
def register_home(request):
    teams = list(tm_selectors.teams_for_user(request.user))
    if len(teams) == 1:
        return redirect("team_register", slug=teams[0].slug)
    return render(request, "assessments/register_home.html", {"teams": teams})


@login_required
@require_GET
def team_register(request, slug):
    team = tm_selectors.team_get(request.user, slug)
    return _render_register(request, Risk.objects.filter(system__team=team), team=team)


@login_required
@require_GET
def system_register(request, pk):
    system = tm_selectors.system_get(request.user, pk)
    return _render_register(request, Risk.objects.filter(system=system), team=system.team, system=system)


def _export(request, base, *, team, system, fmt):
    if fmt not in ("csv", "xlsx"):
        raise Http404("Unknown export format.")
    _form, rows = _filtered(request, base, team=team, system=system)
    label = system.name if system is not None else team.slug
    filename = exports.export_filename(label, fmt)
    if fmt == "csv":
        return exports.csv_response(rows, filename)
    return exports.xlsx_response(rows, filename, title=label)


@login_required
@require_GET
def team_register_export(request, slug, fmt):
    team = tm_selectors.team_get(request.user, slug)
    return _export(request, Risk.objects.filter(system__team=team), team=team, system=None, fmt=fmt)


@login_required
@require_GET
def system_register_export(request, pk, fmt):
    system = tm_selectors.system_get(request.user, pk)
    return _export(request, Risk.objects.filter(system=system), team=system.team, system=system, fmt=fmt)


@login_required
@require_POST
def system_mark_reviewed(request, pk):
    system = tm_selectors.system_get(request.user, pk)
    try:
        services.system_mark_reviewed(actor=request.user, system=system)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Marked as reviewed: new threats will be counted from now on.")
    return redirect("system_register", pk=system.pk)
