"""Triage from the suggestion list: accept or dismiss a group or a selection, assign an owner, undo.

The last accept or dismiss of each system is kept in the person's session (its undo record); "Undo"
puts those risks back among the suggestions, unless someone changed one of them since.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from threatmodel.exceptions import VersionConflict

from ... import services
from ...services.triage import UndoRecord
from .common import CONFLICT, INVALID, changed, system_for, workshop_url

UNDO_KEY = "workshop_triage_undo"
DONE = {"accept": "Accepted", "dismiss": "Dismissed", "assign": "Assigned an owner to"}


def _status(request, system, *, message: str = "", error: str = "", undo: bool = False, status: int = 200):
    if not request.htmx:
        (messages.error if error else messages.success)(request, error or message)
        return redirect(workshop_url(system, "suggestions"))
    return render(request, "workshop/_triage_status.html",
                  {"system": system, "message": message, "error": error, "undo": undo}, status=status)


def _undo_records(request) -> dict:
    return dict(request.session.get(UNDO_KEY) or {})


@login_required
@require_POST
def triage(request, pk):
    system, _role = system_for(request, pk, edit=True)
    action = request.POST.get("action", "")
    ids = request.POST.getlist("risk")
    try:
        record = services.risks_triage(actor=request.user, system=system, risk_ids=ids, action=action,
                                       reason=request.POST.get("reason", ""),
                                       owner=request.POST.get("owner", "").strip() or None)
    except ValidationError as exc:
        return _status(request, system, error="Nothing was changed: " + " ".join(exc.messages), status=INVALID)
    records = _undo_records(request)
    if record is not None:
        records[str(system.pk)] = record.as_dict()
        request.session[UNDO_KEY] = records
    n = len(set(ids))
    return changed(_status(request, system, message=f"{DONE[action]} {n} suggestion{'' if n == 1 else 's'}.",
                           undo=record is not None))


@login_required
@require_POST
def triage_undo(request, pk):
    system, _role = system_for(request, pk, edit=True)
    records = _undo_records(request)
    record = UndoRecord.from_dict(records.get(str(system.pk)) or {})
    if record is None:
        return _status(request, system, error="There is nothing to undo.", status=INVALID)
    try:
        restored = services.triage_undo(actor=request.user, system=system, record=record)
    except (ValidationError, VersionConflict) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else f"{exc}: nothing was undone"
        return _status(request, system, error=text + ".", status=CONFLICT)
    records.pop(str(system.pk), None)
    request.session[UNDO_KEY] = records
    n = len(restored)
    return changed(_status(request, system, message=f"Undone: {n} risk{'' if n == 1 else 's'} back among the "
                                                    "suggestions."))
