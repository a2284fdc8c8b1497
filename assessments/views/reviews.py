"""Sign-offs of a system's register, and a team's risk matrix."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from threatmodel import selectors as tm_selectors
from threatmodel.forms import run_service
from threatmodel.models import Role
from threatmodel.selectors import can_edit, require_edit

from .. import scoring, selectors, services
from ..catalog_info import catalog_release_info
from ..forms import MatrixForm, SignOffForm
from ..snapshot import register_hash, register_snapshot


@login_required
@require_http_methods(["GET", "POST"])
def system_reviews(request, pk):
    system = tm_selectors.system_get(request.user, pk)
    form = SignOffForm(request.POST or None)
    if request.method == "POST":
        require_edit(request.user, system.team)
        if form.is_valid() and run_service(form, lambda: services.review_sign_off(
                actor=request.user, system=system, **form.cleaned_data)):
            messages.success(request, "Sign-off recorded.")
            return redirect("system_reviews", pk=system.pk)
    reviews = list(selectors.reviews_for(system))
    rounds: dict[int, list] = {}
    for review in reviews:
        rounds.setdefault(review.round, []).append(review)
    return render(request, "assessments/reviews.html", {
        "system": system, "team": system.team, "form": form, "can_edit": can_edit(request.user, system.team),
        "rounds": sorted(rounds.items(), reverse=True), "current_hash": register_hash(register_snapshot(system)),
        "catalog": catalog_release_info(), "new_since_review": selectors.new_since_review_count(system)})


@login_required
@require_http_methods(["GET", "POST"])
def risk_matrix(request, slug):
    team = tm_selectors.team_get(request.user, slug)
    is_owner = tm_selectors.user_can(request.user, team, Role.OWNER)
    form = MatrixForm(request.POST or None, matrix=scoring.matrix_for(team))
    if request.method == "POST":
        if not is_owner:
            raise PermissionDenied("Only team owners can change the risk matrix.")
        form.add_service_errors = lambda exc: form.add_error(None, exc.messages)
        if "reset" in request.POST:
            services.risk_matrix_update(actor=request.user, team=team, matrix=None)
            messages.success(request, "The risk matrix is back to the default.")
            return redirect("risk_matrix", slug=team.slug)
        if form.is_valid() and run_service(form, lambda: services.risk_matrix_update(
                actor=request.user, team=team, matrix=form.matrix())):
            messages.success(request, "Risk matrix saved.")
            return redirect("risk_matrix", slug=team.slug)
    return render(request, "assessments/risk_matrix.html", {
        "team": team, "form": form, "is_owner": is_owner, "impact_labels": scoring.IMPACT_LABELS,
        "is_default": scoring.matrix_for(team) == scoring.DEFAULT_MATRIX})
