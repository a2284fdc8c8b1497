"""What every workshop view shares: access checks, fragment-or-page rendering, the refresh signal."""

from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html

from threatmodel.forms import run_service
from threatmodel.selectors import require_edit

from ... import scoring
from .. import cards, selectors, triage
from ..forms import show_conflict

REFRESH_EVENT = "workshop:refresh"  # tells the page to poll now (see static/js/workshop.js)
INVALID, CONFLICT = 422, 409


def csrf_input(request) -> str:
    """The hidden CSRF field, rendered once per request for every form built in Python (cards.py)."""
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request))


def card_lists(request, register, can_edit: bool) -> dict:
    """The four risk lists of the page and the mitigation list, rendered by the card renderer (suggestions grouped
    by threat)."""
    matrix = scoring.matrix_for(register.team) if register.team is not None else None
    token = csrf_input(request) if can_edit else ""
    lists = {name: cards.risk_cards(getattr(register, name), matrix, can_edit=can_edit, csrf_input=token)
             for name in ("register", "closed", "dismissed")}
    lists["mitigations"] = cards.mitigation_cards(register.mitigations, can_edit=can_edit)
    system_id = register.suggestions[0].system_id if register.suggestions else None
    lists["suggestions"] = triage.suggestion_cards(
        register.suggestions, matrix, can_edit=can_edit, csrf_input=token,
        triage_url=reverse("workshop_triage", args=[system_id]) if system_id else "")
    return lists


def write_form(form, write, fresh) -> tuple[bool, int]:
    """Run a service write for a valid form (`run_service`); a stale write merges the current values (the form
    `fresh()` builds) into the person's input (`show_conflict`). Returns (ok, HTTP status)."""
    conflict = []

    def merge(exc):
        current = fresh()
        show_conflict(form, current, exc.current if exc.current is not None else current.initial.get("version"))
        conflict.append(exc)

    if run_service(form, write, on_conflict=merge):
        return True, 200
    return False, CONFLICT if conflict else INVALID


def system_for(request, pk, *, edit: bool = False):
    system, role = selectors.workshop_system(request.user, pk)
    if edit:
        require_edit(request.user, system.team, role=role)
    return system, role


def role_for(request, system) -> str:
    from threatmodel import selectors as tm_selectors

    return tm_selectors.role_for(request.user, system.team) or ""


def workshop_url(system, anchor: str = "") -> str:
    return reverse("workshop", args=[system.pk]) + (f"#{anchor}" if anchor else "")


def fragment(request, template: str, context: dict, *, system, title: str, status: int = 200, anchor: str = "",
             can_edit: bool = True):
    """The fragment for htmx; without JavaScript the same fragment inside a plain page."""
    context = {**context, "system": system, "can_edit": can_edit}
    if request.htmx:
        return render(request, template, context, status=status)
    return render(request, "workshop/form_page.html",
                  {**context, "partial": template, "title": title, "back": workshop_url(system, anchor)},
                  status=status)


def changed(response):
    """Mark a successful write: the page polls at once instead of within 2 s."""
    response["HX-Trigger"] = REFRESH_EVENT
    return response


def read_only(form) -> None:
    for field in form.fields.values():
        field.disabled = True


def done(request, system, anchor: str, template: str | None = None, context: dict | None = None):
    """After a successful write: the fresh fragment (htmx) or back to the page (no JavaScript)."""
    if not request.htmx:
        return redirect(workshop_url(system, anchor))
    if template is None:
        from django.http import HttpResponse

        return changed(HttpResponse(status=204))
    return changed(render(request, template, {**(context or {}), "system": system, "can_edit": True}))
