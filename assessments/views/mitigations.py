"""Mitigations of a system: list, create, edit (status included: the one mitigation editor), history."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from threatmodel import selectors as tm_selectors
from threatmodel.forms import run_service
from threatmodel.selectors import can_edit, require_edit

from .. import selectors
from ..mitigation_editor import MitigationForm, save_mitigation
from ..models import Mitigation
from .comments import thread_context
from .history import history_rows


@login_required
def mitigation_list(request, pk):
    system = tm_selectors.system_get(request.user, pk)
    mitigations = selectors.with_mitigation_relations(Mitigation.objects.filter(system=system)).order_by(
        "status", "due", "id")
    return render(request, "assessments/mitigation_list.html", {
        "system": system, "team": system.team, "mitigations": mitigations,
        "can_edit": can_edit(request.user, system.team)})


@login_required
@require_http_methods(["GET", "POST"])
def mitigation_create(request, pk):
    system = tm_selectors.system_get(request.user, pk)
    require_edit(request.user, system.team)
    initial = {"risks": [int(r) for r in request.GET.getlist("risk") if r.isdigit()]}
    form = MitigationForm(request.POST or None, system=system, initial=initial)
    created = {}
    if request.method == "POST" and form.is_valid():
        def write():
            created["m"] = save_mitigation(form, actor=request.user)

        if run_service(form, write):
            messages.success(request, "Mitigation added.")
            return redirect("mitigation_detail", pk=created["m"].pk)
    return render(request, "assessments/form.html", {"form": form, "system": system, "title": "New mitigation",
                                                     "submit": "Add mitigation"})


def _page(request, mitigation, *, tab="details", **forms):
    team = mitigation.system.team
    editable = can_edit(request.user, team)
    context = {"mitigation": mitigation, "system": mitigation.system, "team": team, "can_edit": editable,
               "tab": tab, "risks": list(mitigation.risks.select_related("template", "component").order_by("id")),
               "external_refs": list(mitigation.external_refs.all()), "mappings": mitigation.mappings}
    if tab == "history":
        context["events"] = history_rows(selectors.history_for(mitigation)[:500])
    else:
        context.update(thread_context(request.user, mitigation))
    if tab != "history" and editable:
        context["form"] = forms.get("form") or MitigationForm(system=mitigation.system, mitigation=mitigation)
    return render(request, "assessments/mitigation_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def mitigation_detail(request, pk):
    mitigation = selectors.mitigation_get(request.user, pk)
    if request.method == "POST":
        require_edit(request.user, mitigation.system.team)
        form = MitigationForm(request.POST, system=mitigation.system, mitigation=mitigation)
        if form.is_valid() and run_service(form, lambda: save_mitigation(form, actor=request.user)):
            messages.success(request, "Mitigation saved.")
            return redirect("mitigation_detail", pk=mitigation.pk)
        return _page(request, mitigation, form=form)
    return _page(request, mitigation)


@login_required
def mitigation_history(request, pk):
    return _page(request, selectors.mitigation_get(request.user, pk), tab="history")

