"""Suggestions and risks in place: accept, dismiss with a reason, edit and score, mitigate, add a custom risk.

Every action names the version it was based on; the register's services refuse a stale one
(VersionConflict) and the card comes back with the current state and the person's input kept.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from threatmodel import selectors as tm_selectors
from threatmodel.exceptions import VersionConflict

from ... import scoring, services
from ...mitigation_editor import MitigationForm, save_mitigation
from ...models import Risk
from .. import cards, presenter, selectors
from ..forms import (
    CustomRiskForm,
    DismissForm,
    RiskEditForm,
    TransitionForm,
    refresh_version,
    show_conflict,
    track_changes,
)
from .comments import thread
from .common import CONFLICT, INVALID, changed, csrf_input, done, fragment, system_for


def _card(request, risk, *, mode="view", status=200, can_edit=True, error="", **extra):
    risk = presenter.risk_for_card(risk)
    matrix = scoring.matrix_for(risk.system.team)
    context = {"risk": risk, "pk": risk.pk, "mode": mode, "system": risk.system, "can_edit": can_edit,
               "error": error, **extra}
    if mode == "view":
        context["card_html"] = cards.risk_card(risk, matrix, can_edit=can_edit, csrf_input=csrf_input(request),
                                               error=error)
    else:
        context["open_tag"] = cards.open_tag(risk, editing=True)
        context["body"] = cards.card_body(risk, matrix)
        context["thread"] = thread(request.user, risk, editable=can_edit)
    if request.htmx:
        return render(request, "workshop/_risk_card.html", context, status=status)
    return render(request, "workshop/form_page.html",
                  {**context, "partial": "workshop/_risk_card.html", "title": risk.title,
                   "back": f"{_page(risk)}#risk-{risk.pk}"}, status=status)


def _page(risk) -> str:
    return reverse("workshop", args=[risk.system_id])


def _reload(request, risk) -> Risk:
    return selectors.risk_get(request.user, risk.pk)


def _after(request, risk):
    if not request.htmx:
        return done(request, risk.system, f"risk-{risk.pk}")
    return changed(_card(request, _reload(request, risk)))


@login_required
@require_GET
def risk_card(request, pk):
    risk = selectors.risk_get(request.user, pk)
    return _card(request, risk, can_edit=tm_selectors.can_edit(request.user, risk.system.team))


@login_required
@require_POST
def risk_transition(request, pk):
    """Accept a suggestion (suggested -> open), start mitigating, close, reopen."""
    risk = selectors.risk_get(request.user, pk)
    tm_selectors.require_edit(request.user, risk.system.team)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        return _card(request, risk, status=INVALID, error="The request was incomplete; try again.")
    try:
        services.risk_transition(actor=request.user, risk=risk, status=form.cleaned_data["status"],
                                 expected_version=form.cleaned_data["version"])
    except VersionConflict:
        return _card(request, _reload(request, risk), status=CONFLICT,
                     error="Someone else changed this risk a moment ago; this is its current state. "
                           "Nothing was applied: choose again.")
    except ValidationError as exc:
        return _card(request, _reload(request, risk), status=INVALID, error=" ".join(exc.messages))
    return _after(request, risk)


@login_required
@require_http_methods(["GET", "POST"])
def risk_dismiss(request, pk):
    risk = selectors.risk_get(request.user, pk)
    tm_selectors.require_edit(request.user, risk.system.team)
    form = DismissForm(request.POST or None, initial={"version": risk.version})
    if request.method == "GET":
        return _card(request, risk, mode="dismiss", form=form)
    if not form.is_valid():
        return _card(request, risk, mode="dismiss", form=form, status=INVALID)
    try:
        services.risk_transition(actor=request.user, risk=risk, status="dismissed",
                                 reason=form.cleaned_data["reason"], expected_version=form.cleaned_data["version"])
    except VersionConflict:
        risk = _reload(request, risk)
        refresh_version(form, risk.version)
        form.add_error(None, f"Someone else changed this risk a moment ago (it is now {risk.get_status_display()}, "
                             "as shown above). Your reason is kept: dismiss again to apply it.")
        return _card(request, risk, mode="dismiss", form=form, status=CONFLICT)
    except ValidationError as exc:
        form.add_service_errors(exc)
        return _card(request, risk, mode="dismiss", form=form, status=INVALID)
    return _after(request, risk)


def _save_risk(request, risk, d) -> None:
    """The card's fields and residual override as one write (one version, one audit event)."""
    changes = {k: d[k] for k in ("description", "likelihood", "impact", "owner", "due")}
    if not risk.template_id:
        changes["title"] = d["title"]
    if d.get("treatment") != risk.treatment:
        changes["treatment"] = d.get("treatment") or ""
    if d["override_residual"]:
        changes["residual"] = {"override": True, "likelihood": d["residual_likelihood"],
                               "impact": d["residual_impact"], "reason": d["residual_reason"]}
    elif risk.residual_overridden:
        changes["residual"] = {"override": False}
    services.risk_apply(actor=request.user, risk=risk, changes=changes, expected_version=d["version"])


@login_required
@require_http_methods(["GET", "POST"])
def risk_edit(request, pk):
    risk = selectors.risk_get(request.user, pk)
    tm_selectors.require_edit(request.user, risk.system.team)
    form = track_changes(RiskEditForm(request.POST or None, risk=risk))
    if request.method == "GET":
        return _card(request, risk, mode="edit", form=form)
    if not form.is_valid():
        return _card(request, risk, mode="edit", form=form, status=INVALID)
    try:
        _save_risk(request, risk, form.cleaned_data)
    except VersionConflict:
        risk = _reload(request, risk)
        show_conflict(form, RiskEditForm(risk=risk), risk.version)
        return _card(request, risk, mode="edit", form=form, status=CONFLICT)
    except ValidationError as exc:
        form.add_service_errors(exc)
        risk = _reload(request, risk)
        refresh_version(form, risk.version)
        return _card(request, risk, mode="edit", form=form, status=INVALID)
    return _after(request, risk)


@login_required
@require_http_methods(["GET", "POST"])
def risk_mitigate(request, pk):
    """Mitigate a risk: pick one of its suggested controls, link an existing mitigation, or write one."""
    risk = selectors.risk_get(request.user, pk)
    tm_selectors.require_edit(request.user, risk.system.team)
    form = MitigationForm(request.POST or None, system=risk.system, risk=risk)
    if request.method == "GET":
        return _card(request, risk, mode="mitigate", form=form)
    if not form.is_valid():
        return _card(request, risk, mode="mitigate", form=form, status=INVALID)
    try:
        save_mitigation(form, actor=request.user)
    except VersionConflict:
        form.add_error(None, "That mitigation changed a moment ago; choose again.")
        return _card(request, _reload(request, risk), mode="mitigate", form=form, status=CONFLICT)
    except ValidationError as exc:
        form.add_service_errors(exc)
        return _card(request, risk, mode="mitigate", form=form, status=INVALID)
    return _after(request, risk)


@login_required
@require_http_methods(["GET", "POST"])
def risk_new(request, pk):
    """A custom risk (no catalog template): it goes straight into the register."""
    system, _role = system_for(request, pk, edit=True)
    components = list(system.components.order_by("kind", "position", "id"))
    form = CustomRiskForm(request.POST or None, system=system, components=components)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                risk = services.risk_create(actor=request.user, system=system, title=d["title"],
                                            description=d["description"], component=d["component"],
                                            likelihood=d["likelihood"], impact=d["impact"], owner=d["owner"],
                                            due=d["due"])
            except ValidationError as exc:
                form.add_service_errors(exc)
                status = INVALID
            else:
                return done(request, system, f"risk-{risk.pk}", "workshop/_custom_risk_slot.html",
                            {"saved": f"Added '{risk.title}' to the register."})
        else:
            status = INVALID
    return fragment(request, "workshop/_custom_risk_form.html", {"form": form}, system=system,
                    title="New custom risk", status=status, anchor="register")
