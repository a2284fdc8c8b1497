"""Plain pages for the modeling domain. Thin: read through selectors, write through services."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from . import selectors, services
from .forms import ComponentForm, FlowForm, SystemForm, TeamCreateForm, run_service
from .models import ComponentKind, Role


@login_required
@require_http_methods(["GET", "POST"])
def team_create(request):
    if settings.TEAM_CREATION_STAFF_ONLY and not request.user.is_staff:
        raise PermissionDenied("Only staff can create teams here; ask a team owner to invite you.")
    form = TeamCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_create(actor=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            for field, msgs in exc.message_dict.items():
                form.add_error("name" if field in ("name", "slug") else None, msgs)
        else:
            messages.success(request, f"Team '{team.name}' created.")
            return redirect("dashboard")
    return render(request, "threatmodel/form.html", {"form": form, "title": "New team"})


@login_required
@require_http_methods(["GET", "POST"])
def system_create(request):
    teams = [t for t in selectors.teams_for_user(request.user) if selectors.user_can(request.user, t, Role.CONTRIBUTOR)]
    if not teams:
        raise PermissionDenied("You need the contributor role in a team to create systems.")
    team = next((t for t in teams if t.slug == request.GET.get("team")), teams[0])
    form = SystemForm(request.POST or None, team=team)
    created = {}
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data

        def write():
            created["system"] = services.system_create(
                actor=request.user, team=team, name=d["name"], description=d["description"],
                lifecycle_stage=d["lifecycle_stage"], owner=d["owner"], answers=form.answers())

        if run_service(form, write):
            return redirect("system_detail", pk=created["system"].pk)
    return render(request, "threatmodel/system_form.html", {"form": form, "team": team, "title": "New AI system"})


@login_required
def system_detail(request, pk):
    system = selectors.system_get(request.user, pk)
    components, flows = selectors.system_model(system)
    lanes = {kind: [c for c in components if c.kind == kind] for kind in ComponentKind.values}
    return render(request, "threatmodel/system_detail.html", {
        "system": system, "lanes": lanes, "flows": flows,
        "can_edit": selectors.can_edit(request.user, system.team),
    })


@login_required
@require_http_methods(["GET", "POST"])
def system_edit(request, pk):
    system = selectors.system_get(request.user, pk)
    selectors.require_edit(request.user, system.team)
    form = SystemForm(request.POST or None, team=system.team, system=system)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if run_service(form, lambda: services.system_update(
                actor=request.user, system=system, expected_version=d["version"], name=d["name"],
                description=d["description"], lifecycle_stage=d["lifecycle_stage"], owner=d["owner"],
                answers=form.answers())):
            messages.success(request, "System saved.")
            return redirect("system_detail", pk=system.pk)
    return render(request, "threatmodel/system_form.html", {"form": form, "system": system, "team": system.team,
                                                             "title": f"Edit {system.name}"})


@login_required
@require_http_methods(["GET", "POST"])
def component_create(request, pk):
    system = selectors.system_get(request.user, pk)
    selectors.require_edit(request.user, system.team)
    kind = request.POST.get("kind") or request.GET.get("kind", "input")
    if kind not in ComponentKind.values:
        raise Http404("Unknown component kind.")
    form = ComponentForm(request.POST or None, kind=kind, system=system)
    saved = request.method == "POST" and form.is_valid() and run_service(
        form, lambda: form.write(actor=request.user, system=system))
    if saved:
        return redirect("system_detail", pk=system.pk)
    return render(request, "threatmodel/form.html", {"form": form, "system": system,
                                                      "title": f"New {kind} component"})


@login_required
@require_http_methods(["GET", "POST"])
def component_edit(request, pk):
    component = selectors.component_get(request.user, pk)
    system = component.system
    selectors.require_edit(request.user, system.team)
    form = ComponentForm(request.POST or None, kind=component.kind, component=component)
    if request.method == "POST" and form.is_valid() and run_service(form, lambda: form.write(actor=request.user)):
        return redirect("system_detail", pk=system.pk)
    return render(request, "threatmodel/form.html", {"form": form, "system": system, "current": component,
                                                      "title": f"Edit {component}"})


@login_required
@require_POST
def component_delete(request, pk):
    component = selectors.component_get(request.user, pk)
    selectors.require_edit(request.user, component.system.team)
    services.component_delete(actor=request.user, component=component)
    messages.success(request, f"{component} deleted.")
    return redirect("system_detail", pk=component.system_id)


@login_required
@require_http_methods(["GET", "POST"])
def flow_create(request, pk):
    system = selectors.system_get(request.user, pk)
    selectors.require_edit(request.user, system.team)
    form = FlowForm(request.POST or None, system=system)
    if request.method == "POST" and form.is_valid() and run_service(form, lambda: form.write(actor=request.user)):
        return redirect("system_detail", pk=system.pk)
    return render(request, "threatmodel/form.html", {"form": form, "system": system, "title": "New data flow"})


@login_required
@require_http_methods(["GET", "POST"])
def flow_edit(request, pk):
    flow = selectors.flow_get(request.user, pk)
    system = flow.system
    selectors.require_edit(request.user, system.team)
    form = FlowForm(request.POST or None, system=system, flow=flow)
    if request.method == "POST" and form.is_valid() and run_service(form, lambda: form.write(actor=request.user)):
        return redirect("system_detail", pk=system.pk)
    return render(request, "threatmodel/form.html", {"form": form, "system": system, "title": f"Edit flow {flow}"})


@login_required
@require_POST
def flow_delete(request, pk):
    flow = selectors.flow_get(request.user, pk)
    selectors.require_edit(request.user, flow.system.team)
    services.flow_delete(actor=request.user, flow=flow)
    return redirect("system_detail", pk=flow.system_id)
