"""Pages for the assurance report's inputs: a system's scope (versions, reporting period) and the team's
organisation-level evidence (the AI RMF checklist no threat maps to). Contributors and owners edit;
viewers read the checklist. Reached from the system's reports page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from threatmodel import selectors as tm_selectors
from threatmodel.exceptions import VersionConflict
from threatmodel.forms import run_service
from threatmodel.selectors import can_edit, require_edit

from .. import services
from ..models import ORG_CHECKLIST
from . import selectors
from .content.evidence import assurance_scope
from .forms import AssuranceScopeForm, GovernanceEvidenceForm


@login_required
@require_http_methods(["GET", "POST"])
def assurance_scope_edit(request, pk):
    system = tm_selectors.system_get(request.user, pk)
    require_edit(request.user, system.team)
    scope = selectors.assurance_scope_of(system)
    form = AssuranceScopeForm(request.POST or None, system=system, scope=scope)
    if request.method == "POST" and form.is_valid() and run_service(form, lambda: services.assurance_scope_save(
            actor=request.user, system=system, values=form.values(), expected_version=form.cleaned_data["version"])):
        messages.success(request, "Assurance scope saved: the next assurance report prints it.")
        return redirect("system_reports", pk=system.pk)
    return render(request, "reports/pages/scope.html", {
        "system": system, "form": form, "scope": scope, "summary": assurance_scope(system),
        "title": f"Assurance scope of {system.name}"})


@login_required
@require_POST
def assurance_scope_delete(request, pk):
    system = tm_selectors.system_get(request.user, pk)
    require_edit(request.user, system.team)
    scope = selectors.assurance_scope_of(system)
    if scope is not None:
        version = request.POST.get("version", "")
        try:
            services.assurance_scope_delete(actor=request.user, scope=scope,
                                            expected_version=int(version) if version.isdigit() else None)
        except VersionConflict as exc:
            messages.error(request, f"{exc}: nothing was deleted; look at the current scope first.")
            return redirect("assurance_scope_edit", pk=system.pk)
        messages.success(request, "Assurance scope cleared.")
    return redirect("system_reports", pk=system.pk)


@login_required
@require_GET
def governance_evidence_list(request, slug):
    team = tm_selectors.team_get(request.user, slug)
    entries = {e.ref: e for e in selectors.governance_evidence_of_team(team)}
    rows = [{"ref": ref, "entry": entries.get(ref)} for ref in ORG_CHECKLIST]
    raw = request.GET.get("system") or ""  # the reports page the user came from, for the way back
    system = tm_selectors.systems_for(request.user).filter(team=team, pk=int(raw)).first() if raw.isdigit() else None
    return render(request, "reports/pages/governance.html", {
        "team": team, "rows": rows, "can_edit": can_edit(request.user, team), "system": system,
        "recorded": sum(1 for r in rows if r["entry"]), "title": f"Organisation evidence of {team.name}"})


@login_required
@require_http_methods(["GET", "POST"])
def governance_evidence_new(request, slug):
    team = tm_selectors.team_get(request.user, slug)
    require_edit(request.user, team)
    taken = [e.ref for e in selectors.governance_evidence_of_team(team)]
    form = GovernanceEvidenceForm(request.POST or None, taken=taken, initial={"ref": request.GET.get("ref")})
    if request.method == "POST" and form.is_valid() and run_service(form, lambda: services.governance_evidence_create(
            actor=request.user, team=team, **form.values())):
        messages.success(request, f"Evidence for {form.cleaned_data['ref']} recorded.")
        return redirect("governance_evidence_list", slug=team.slug)
    return render(request, "reports/pages/governance_form.html", {
        "team": team, "form": form, "title": "Record organisation evidence"})


@login_required
@require_http_methods(["GET", "POST"])
def governance_evidence_edit(request, slug, pk):
    team = tm_selectors.team_get(request.user, slug)
    require_edit(request.user, team)
    evidence = selectors.governance_evidence_in(team, pk)
    form = GovernanceEvidenceForm(request.POST or None, evidence=evidence)
    if request.method == "POST" and form.is_valid() and run_service(form, lambda: services.governance_evidence_update(
            actor=request.user, evidence=evidence, changes=form.values(),
            expected_version=form.cleaned_data["version"])):
        messages.success(request, f"Evidence for {form.cleaned_data['ref']} saved.")
        return redirect("governance_evidence_list", slug=team.slug)
    return render(request, "reports/pages/governance_form.html", {
        "team": team, "form": form, "evidence": evidence, "title": f"Organisation evidence: {evidence.ref}"})


@login_required
@require_POST
def governance_evidence_delete(request, slug, pk):
    team = tm_selectors.team_get(request.user, slug)
    require_edit(request.user, team)
    evidence = selectors.governance_evidence_in(team, pk)
    version = request.POST.get("version", "")
    try:
        services.governance_evidence_delete(actor=request.user, evidence=evidence,
                                            expected_version=int(version) if version.isdigit() else None)
    except VersionConflict as exc:
        messages.error(request, f"{exc}: nothing was deleted; look at the current entry first.")
        return redirect("governance_evidence_edit", slug=team.slug, pk=evidence.pk)
    messages.success(request, f"Evidence for {evidence.ref} deleted.")
    return redirect("governance_evidence_list", slug=team.slug)
