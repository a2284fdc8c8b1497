"""Saving something that someone else has just deleted: a short note in the editor, never a 404 page.

`gone_aware(kind, view)` wraps a workshop view that reads or writes one component, flow, risk or
mitigation by id. When the object is not there (Http404) but the audit trail of one of the
requester's teams records its deletion, the answer is the note "This component was deleted by alice
a minute ago. Nothing was saved: your text is below to copy.", with what the person had typed, into
the editor or card that sent the request (HX-Retarget, 409 so htmx swaps it; without JavaScript the
same note on a plain page). Anything else stays a 404, so another team's ids reveal nothing.
"""

from functools import wraps

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.timesince import timesince

from threatmodel.models import AuditEvent
from threatmodel.selectors import team_ids_for

from .views.common import CONFLICT

OBJECT_TYPES = {"component": "threatmodel.component", "flow": "threatmodel.dataflow",
                "risk": "assessments.risk", "mitigation": "assessments.mitigation"}
NOT_TEXT = {"csrfmiddlewaretoken", "version", "kind", "source", "target", "component", "owner", "likelihood",
            "impact", "status", "risks"}


def deletion_of(user, kind: str, pk) -> AuditEvent | None:
    """The audit event that deleted this object, if it belonged to one of the user's teams."""
    return (AuditEvent.objects.filter(team_id__in=team_ids_for(user), object_type=OBJECT_TYPES[kind],
                                      object_id=str(pk), action=f"{kind}.deleted")
            .select_related("actor").order_by("-seq").first())


def typed_text(post) -> str:
    """What the person typed (text fields with a value), one "field: value" per line, to copy back."""
    lines = []
    for key, values in post.lists():
        if key in NOT_TEXT or key.startswith("initial-"):  # hidden copies of the values the form started with
            continue
        for value in values:
            if value.strip() and not value.strip().isdigit():
                label = key.removeprefix("q_").replace("_", " ")
                lines.append(f"{label}: {value.strip()}")
    return "\n".join(lines)


def gone_response(request, kind: str, event: AuditEvent):
    actor = event.actor
    who = (actor.get_full_name() or actor.get_username()) if actor is not None else "someone"
    when = "just now" if (timezone.now() - event.at).total_seconds() < 60 else f"{timesince(event.at)} ago"
    context = {"kind": kind, "who": who, "event": event, "name": event.object_repr, "when": when,
               "typed": typed_text(request.POST) if request.method == "POST" else ""}
    if not request.htmx:
        return render(request, "workshop/gone_page.html", context, status=410)
    response = render(request, "workshop/_gone.html", context, status=CONFLICT)
    target = request.headers.get("HX-Target")
    if target:
        response["HX-Retarget"] = f"#{target}"
        response["HX-Reswap"] = "innerHTML"
    return response


def gone_aware(kind: str, view):
    if kind not in OBJECT_TYPES:
        raise ValueError(f"unknown kind {kind!r}")

    @wraps(view)
    def wrapped(request, pk, *args, **kwargs):
        try:
            return view(request, pk, *args, **kwargs)
        except Http404:
            event = deletion_of(request.user, kind, pk) if request.user.is_authenticated else None
            if event is None:
                raise
            return gone_response(request, kind, event)

    return wrapped
