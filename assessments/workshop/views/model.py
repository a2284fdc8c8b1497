"""Editing the model inline: system questions, components with their questionnaire, data flows.

Writes go through threatmodel.services; the register follows by itself (the services signal the
change and the register re-suggests on commit).
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.views.decorators.http import require_http_methods, require_POST

from threatmodel import selectors as tm_selectors
from threatmodel import services as tm_services
from threatmodel.models import ComponentKind
from threatmodel.selectors import can_edit, require_edit

from ..forms import ComponentForm, FlowForm, SystemQuestionsForm, track_changes
from .common import INVALID, done, fragment, read_only, role_for, system_for, write_form


@login_required
@require_http_methods(["GET", "POST"])
def system_questions(request, pk):
    system, role = system_for(request, pk, edit=request.method == "POST")
    form = track_changes(SystemQuestionsForm(request.POST or None, system=system))
    status, saved = 200, False
    if request.method == "POST":
        if form.is_valid():
            saved, status = write_form(
                form,
                lambda: tm_services.system_update(actor=request.user, system=system,
                                                  expected_version=form.cleaned_data["version"],
                                                  answers=form.answers()),
                lambda: SystemQuestionsForm(system=tm_selectors.system_get(request.user, pk)))
        else:
            status = INVALID
        if saved:
            system = tm_selectors.system_get(request.user, pk)
            return done(request, system, "system-panel", "workshop/_system_panel.html",
                        {"system_form": track_changes(SystemQuestionsForm(system=system)), "saved": True})
    return fragment(request, "workshop/_system_panel.html", {"system_form": form}, system=system,
                    title="System questions", status=status, anchor="system-panel",
                    can_edit=can_edit(request.user, system.team, role=role))


def _component_context(form, system, component=None, **extra):
    return {"form": form, "component": component, "kind": form.initial.get("kind") or form.data.get("kind"), **extra}


@login_required
@require_http_methods(["GET", "POST"])
def component_new(request, pk):
    system, _role = system_for(request, pk, edit=True)
    kind = request.POST.get("kind") or request.GET.get("kind", "input")
    if kind not in ComponentKind.values:
        raise Http404("Unknown component kind.")
    form = ComponentForm(request.POST or None, kind=kind, system=system)
    status = 200
    if request.method == "POST":
        created = {}
        if form.is_valid():
            def write():
                created["c"] = form.write(actor=request.user, system=system)

            ok, status = write_form(form, write, lambda: ComponentForm(kind=kind))
            if ok:
                component = created["c"]
                fresh = track_changes(ComponentForm(kind=kind, component=component))
                return done(request, system, "model", "workshop/_component_form.html",
                            _component_context(fresh, system, component,
                                               saved=f"Added {component.get_kind_display().lower()} "
                                                     f"'{component.name}'."))
        else:
            status = INVALID
    return fragment(request, "workshop/_component_form.html", _component_context(form, system), system=system,
                    title=f"New {kind}", status=status, anchor="model")


@login_required
@require_http_methods(["GET", "POST"])
def component_edit(request, pk):
    component = tm_selectors.component_get(request.user, pk)
    system = component.system
    role = role_for(request, system)
    if request.method == "POST":
        require_edit(request.user, system.team, role=role)
    form = track_changes(ComponentForm(request.POST or None, kind=component.kind, component=component))
    editable = can_edit(request.user, system.team, role=role)
    if not editable:
        read_only(form)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            ok, status = write_form(
                form, lambda: form.write(actor=request.user),
                lambda: ComponentForm(kind=component.kind, component=tm_selectors.component_get(request.user, pk)))
            if ok:
                component = tm_selectors.component_get(request.user, pk)
                fresh = track_changes(ComponentForm(kind=component.kind, component=component))
                return done(request, system, "model", "workshop/_component_form.html",
                            _component_context(fresh, system, component, saved=f"Saved '{component.name}'."))
        else:
            status = INVALID
    return fragment(request, "workshop/_component_form.html", _component_context(form, system, component),
                    system=system, title=f"Edit {component}", status=status, anchor="model", can_edit=editable)


@login_required
@require_POST
def component_delete(request, pk):
    component = tm_selectors.component_get(request.user, pk)
    system = component.system
    require_edit(request.user, system.team)
    tm_services.component_delete(actor=request.user, component=component)
    return done(request, system, "model", "workshop/_editor_empty.html",
                {"saved": f"Deleted {component.get_kind_display().lower()} '{component.name}'."})


@login_required
@require_http_methods(["GET", "POST"])
def flow_new(request, pk):
    system, _role = system_for(request, pk, edit=True)
    form = FlowForm(request.POST or None, system=system)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            ok, status = write_form(form, lambda: form.write(actor=request.user), lambda: FlowForm(system=system))
            if ok:
                return done(request, system, "flows", "workshop/_editor_empty.html",
                            {"saved": f"Added the flow {d['source'].name} → {d['target'].name}."})
        else:
            status = INVALID
    return fragment(request, "workshop/_flow_form.html", {"form": form}, system=system, title="New data flow",
                    status=status, anchor="flows")


@login_required
@require_http_methods(["GET", "POST"])
def flow_edit(request, pk):
    flow = tm_selectors.flow_get(request.user, pk)
    system = flow.system
    role = role_for(request, system)
    if request.method == "POST":
        require_edit(request.user, system.team, role=role)
    form = track_changes(FlowForm(request.POST or None, system=system, flow=flow))
    editable = can_edit(request.user, system.team, role=role)
    if not editable:
        read_only(form)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            ok, status = write_form(
                form, lambda: form.write(actor=request.user),
                lambda: FlowForm(system=system, flow=tm_selectors.flow_get(request.user, pk)))
            if ok:
                return done(request, system, "flows", "workshop/_editor_empty.html",
                            {"saved": f"Saved the flow {d['source'].name} → {d['target'].name}."})
        else:
            status = INVALID
    return fragment(request, "workshop/_flow_form.html", {"form": form, "flow": flow}, system=system,
                    title=f"Edit flow {flow}", status=status, anchor="flows", can_edit=editable)


@login_required
@require_POST
def flow_delete(request, pk):
    flow = tm_selectors.flow_get(request.user, pk)
    system = flow.system
    require_edit(request.user, system.team)
    tm_services.flow_delete(actor=request.user, flow=flow)
    return done(request, system, "flows", "workshop/_editor_empty.html", {"saved": f"Deleted the flow {flow}."})
