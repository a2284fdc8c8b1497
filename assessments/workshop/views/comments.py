"""The comment thread inside the workshop's risk and mitigation editors: read it and post to it (with
@mentions) without leaving the card. The write is the register's `comment_add` (audit, webhook, mails)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from threatmodel.selectors import can_edit, require_edit

from ... import services
from ...views.comments import thread_context
from .. import selectors
from .common import INVALID, changed, fragment


def thread(user, target, *, editable: bool) -> dict:
    """The context of workshop/_comments.html for a risk or a mitigation."""
    kind = target._meta.model_name
    return {**thread_context(user, target), "thread_id": f"comments-{kind}-{target.pk}", "comment_kind": kind,
            "comment_url": reverse(f"workshop_{kind}_comments", args=[target.pk]), "can_comment": editable}


def _thread(request, target):
    team = target.system.team
    editable = can_edit(request.user, team)
    body, error, status = "", "", 200
    if request.method == "POST":
        require_edit(request.user, team)
        body = request.POST.get("body", "")
        try:
            services.comment_add(actor=request.user, target=target, body=body)
        except ValidationError as exc:
            error, status = " ".join(exc.messages), INVALID
        except PermissionDenied as exc:
            error, status = str(exc) or "You cannot comment here.", 403
        else:
            if not request.htmx:
                return redirect(request.path + "#" + thread(request.user, target, editable=editable)["thread_id"])
            body = ""
    context = {**thread(request.user, target, editable=editable), "comment_body": body, "comment_error": error}
    response = fragment(request, "workshop/_comments.html", context, system=target.system,
                        title=f"Comments on {target.title}", status=status,
                        anchor=f"{target._meta.model_name}-{target.pk}", can_edit=editable)
    return changed(response) if request.method == "POST" and not error else response


@login_required
@require_http_methods(["GET", "POST"])
def risk_comments(request, pk):
    return _thread(request, selectors.risk_get(request.user, pk))


@login_required
@require_http_methods(["GET", "POST"])
def mitigation_comments(request, pk):
    return _thread(request, selectors.mitigation_get(request.user, pk))
