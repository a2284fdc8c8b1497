"""Mitigations in place: owner, due date, status, evidence and the risks they address."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from threatmodel import selectors as tm_selectors

from ...mitigation_editor import MitigationForm, save_mitigation
from .. import presenter, selectors
from ..forms import track_changes
from .comments import thread
from .common import INVALID, changed, done, write_form


def _card(request, mitigation, *, mode="view", status=200, can_edit=True, **extra):
    mitigation = presenter.mitigation_for_card(mitigation)
    context = {"m": mitigation, "mode": mode, "system": mitigation.system, "can_edit": can_edit, **extra}
    if mode != "view":
        context["thread"] = thread(request.user, mitigation, editable=can_edit)
    if request.htmx:
        return render(request, "workshop/_mitigation_card.html", context, status=status)
    back = reverse("workshop", args=[mitigation.system_id]) + f"#mitigation-{mitigation.pk}"
    return render(request, "workshop/form_page.html",
                  {**context, "partial": "workshop/_mitigation_card.html", "title": mitigation.title, "back": back},
                  status=status)


def _form(mitigation, data=None):
    return track_changes(MitigationForm(data, system=mitigation.system,
                                        mitigation=presenter.mitigation_for_card(mitigation)))


@login_required
@require_GET
def mitigation_card(request, pk):
    m = selectors.mitigation_get(request.user, pk)
    return _card(request, m, can_edit=tm_selectors.can_edit(request.user, m.system.team))


@login_required
@require_http_methods(["GET", "POST"])
def mitigation_edit(request, pk):
    m = selectors.mitigation_get(request.user, pk)
    tm_selectors.require_edit(request.user, m.system.team)
    form = _form(m, request.POST or None)
    if request.method == "GET":
        return _card(request, m, mode="edit", form=form)
    if not form.is_valid():
        return _card(request, m, mode="edit", form=form, status=INVALID)
    ok, status = write_form(form, lambda: save_mitigation(form, actor=request.user),
                            lambda: _form(selectors.mitigation_get(request.user, pk)))
    if not ok:
        return _card(request, selectors.mitigation_get(request.user, pk), mode="edit", form=form, status=status)
    if not request.htmx:
        return done(request, m.system, f"mitigation-{m.pk}")
    return changed(_card(request, selectors.mitigation_get(request.user, pk)))
