"""The workshop page, its live-update poll and the presence heartbeat."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from threatmodel.selectors import can_edit

from .. import presence, presenter
from ..forms import SystemQuestionsForm, track_changes
from ..live import HEARTBEAT_SECONDS, POLL_SECONDS, change_stamp
from .common import card_lists, read_only, system_for


def system_form(system, editable: bool) -> SystemQuestionsForm:
    form = track_changes(SystemQuestionsForm(system=system))
    if not editable:
        read_only(form)
    return form


def _context(request, system, role, data: dict) -> dict:
    editable = can_edit(request.user, system.team, role=role)
    return {
        "system": system, "role": role, "can_edit": editable, **data,
        "cards": card_lists(request, data["register"], editable),
        "system_form": system_form(system, editable),
        "participants": presence.participants(system, request.user),
        "poll_seconds": POLL_SECONDS, "heartbeat_seconds": HEARTBEAT_SECONDS,
    }


@login_required
@require_GET
def workshop(request, pk):
    system, role = system_for(request, pk)
    stamp = change_stamp(system.pk, request.user)
    data = presenter.workshop_data(system, presenter.RiskFilter.from_query(request.GET),
                                   model_key=stamp.model if stamp else None)
    response = render(request, "workshop/page.html", {**_context(request, system, role, data),
                                                       "etag": stamp.etag if stamp else ""})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def live(request, pk):
    """The poll: 304 with one query when nothing changed; otherwise the changed regions, out of band."""
    stamp = change_stamp(pk, request.user)
    if stamp is None:
        raise Http404("No such system.")
    parts = stamp.changed_parts(request.headers.get("If-None-Match"))
    if not parts:
        response = HttpResponse(status=304)
    else:
        system, role = system_for(request, pk)
        editable = can_edit(request.user, system.team, role=role)
        context = {"system": system, "role": role, "can_edit": editable, "parts": parts,
                   "participants": presence.participants(system, request.user)}
        if parts & {"model", "register"}:
            context.update(presenter.workshop_data(system, presenter.RiskFilter.from_query(request.GET),
                                                   model_key=stamp.model))
            context["cards"] = card_lists(request, context["register"], context["can_edit"])
            if "model" in parts:
                context["system_form"] = system_form(system, editable)
        response = render(request, "workshop/live.html", context)
    response["ETag"] = stamp.etag
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def heartbeat(request, pk):
    system, _role = system_for(request, pk)
    presence.presence_touch(system=system, user=request.user)
    return HttpResponse(status=204)


@login_required
@require_POST
def leave(request, pk):
    system, _role = system_for(request, pk)
    presence.presence_leave(system=system, user=request.user)
    return HttpResponse(status=204)
