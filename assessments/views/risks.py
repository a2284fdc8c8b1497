"""A risk's page: details and edit, status, acceptance, residual override, mitigations, history."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from catalog.engine.describe import why_words
from catalog.models import ControlTemplate
from threatmodel import selectors as tm_selectors
from threatmodel.forms import run_service
from threatmodel.selectors import can_edit, require_edit

from .. import selectors, services
from ..forms import ResidualForm, RiskAcceptForm, RiskForm, RiskTransitionForm
from ..models import Mitigation
from ..services.residual import suggested_residual_for
from .comments import thread_context
from .history import history_rows


def _risk(request, pk):
    return selectors.risk_get(request.user, pk)


def _page(request, risk, *, tab="details", **forms):
    team = risk.system.team
    editable = can_edit(request.user, team)
    mitigations = list(risk.mitigations.select_related("owner", "control").order_by("id"))
    context = {"risk": risk, "system": risk.system, "team": team, "can_edit": editable, "tab": tab,
               "mitigations": mitigations, "external_refs": list(risk.external_refs.all()),
               "mappings": risk.mappings, "suggested_residual": suggested_residual_for(risk, mitigations),
               "why": [why_words(fact) for fact in risk.why or ()]}
    if tab == "history":
        context["events"] = history_rows(selectors.history_for(risk)[:500])
    else:
        context.update(thread_context(request.user, risk))
    if tab != "history" and editable:
        linked_controls = {m.control_id for m in mitigations if m.control_id}
        existing = {m.control_id: m for m in Mitigation.objects.filter(system=risk.system, control__isnull=False)}
        if risk.template_id:
            controls = risk.template.controls.filter(retired=False).order_by("ref")
            context["suggested_controls"] = [(c, existing.get(c.pk)) for c in controls if c.pk not in linked_controls]
        context["form"] = forms.get("form") or RiskForm(system=risk.system, risk=risk)
        context["transition_form"] = forms.get("transition_form") or RiskTransitionForm(risk=risk)
        context["accept_form"] = forms.get("accept_form") or RiskAcceptForm(initial={"version": risk.version})
        context["residual_form"] = forms.get("residual_form") or ResidualForm(initial={
            "version": risk.version, "likelihood": risk.residual_likelihood, "impact": risk.residual_impact,
            "reason": risk.residual_override_reason})
    return render(request, "assessments/risk_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def risk_detail(request, pk):
    risk = _risk(request, pk)
    if request.method == "POST":
        require_edit(request.user, risk.system.team)
        form = RiskForm(request.POST, system=risk.system, risk=risk)
        if form.is_valid() and run_service(form, lambda: services.risk_update(
                actor=request.user, risk=risk, expected_version=form.cleaned_data["version"], **form.changes())):
            messages.success(request, "Risk saved.")
            return redirect("risk_detail", pk=risk.pk)
        return _page(request, risk, form=form)
    return _page(request, risk)


@login_required
def risk_history(request, pk):
    return _page(request, _risk(request, pk), tab="history")


@login_required
@require_http_methods(["GET", "POST"])
def risk_create(request, pk):
    system = tm_selectors.system_get(request.user, pk)
    require_edit(request.user, system.team)
    form = RiskForm(request.POST or None, system=system)
    created = {}
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data

        def write():
            created["risk"] = services.risk_create(
                actor=request.user, system=system, title=d["title"], description=d["description"],
                component=d["component"], likelihood=d["likelihood"], impact=d["impact"], owner=d["owner"],
                due=d["due"], treatment=d["treatment"] or "", mappings=form.mapping_refs())

        if run_service(form, write):
            messages.success(request, "Risk added to the register.")
            return redirect("risk_detail", pk=created["risk"].pk)
    return render(request, "assessments/form.html", {"form": form, "system": system, "title": "New custom risk",
                                                     "submit": "Add risk"})


@login_required
@require_POST
def risk_transition(request, pk):
    risk = _risk(request, pk)
    require_edit(request.user, risk.system.team)
    form = RiskTransitionForm(request.POST, risk=risk)
    if form.is_valid() and run_service(form, lambda: services.risk_transition(
            actor=request.user, risk=risk, status=form.cleaned_data["status"], reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"])):
        messages.success(request, f"Risk is now {form.cleaned_data['status']}.")
        return redirect("risk_detail", pk=risk.pk)
    return _page(request, risk, transition_form=form)


@login_required
@require_POST
def risk_accept(request, pk):
    risk = _risk(request, pk)
    require_edit(request.user, risk.system.team)
    form = RiskAcceptForm(request.POST)
    if form.is_valid() and run_service(form, lambda: services.risk_accept(
            actor=request.user, risk=risk, review_date=form.cleaned_data["review_date"],
            reason=form.cleaned_data["reason"], expected_version=form.cleaned_data["version"])):
        messages.success(request, "Risk accepted; you are recorded as its approver.")
        return redirect("risk_detail", pk=risk.pk)
    return _page(request, risk, accept_form=form)


@login_required
@require_POST
def risk_residual(request, pk):
    risk = _risk(request, pk)
    require_edit(request.user, risk.system.team)
    form = ResidualForm(request.POST)
    if "use_rule" in request.POST:
        form.is_valid()
        version = form.cleaned_data.get("version") if hasattr(form, "cleaned_data") else None
        if run_service(form, lambda: services.risk_set_residual(
                actor=request.user, risk=risk, override=False, expected_version=version)):
            messages.success(request, "Residual score follows the mitigations again.")
            return redirect("risk_detail", pk=risk.pk)
    elif form.is_valid() and run_service(form, lambda: services.risk_set_residual(
            actor=request.user, risk=risk, likelihood=form.cleaned_data["likelihood"],
            impact=form.cleaned_data["impact"], reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"])):
        messages.success(request, "Residual score overridden.")
        return redirect("risk_detail", pk=risk.pk)
    return _page(request, risk, residual_form=form)


@login_required
@require_POST
def risk_add_control(request, pk):
    """Address the risk with one of its template's controls: link the system's mitigation or create one."""
    risk = _risk(request, pk)
    require_edit(request.user, risk.system.team)
    control = ControlTemplate.objects.filter(ref=request.POST.get("control", ""), retired=False).first()
    if control is None or not risk.template_id or not risk.template.controls.filter(pk=control.pk).exists():
        messages.error(request, "That control is not one the catalog suggests for this threat.")
        return redirect("risk_detail", pk=risk.pk)
    existing = Mitigation.objects.filter(system=risk.system, control=control).order_by("id").first()
    try:
        if existing is not None:
            services.mitigation_link(actor=request.user, mitigation=existing, risks=[risk])
            messages.success(request, f"Linked the existing mitigation '{existing.title}'.")
        else:
            services.mitigation_create(actor=request.user, system=risk.system, control=control, risks=[risk])
            messages.success(request, f"Mitigation '{control.title}' proposed.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("risk_detail", pk=risk.pk)
