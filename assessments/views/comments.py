"""The comment thread on a risk's and a mitigation's page: post a comment (with @mentions)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString
from django.utils.timesince import timesince
from django.views.decorators.http import require_POST

from threatmodel.selectors import require_edit

from .. import selectors, services
from ..forms import members_queryset
from ..models import COMMENT_MAX_LENGTH
from ..services.comments import MENTION


def body_html(comment) -> SafeString:
    """The text, escaped, with each @mention of a team member marked (the template keeps line breaks)."""
    names = {u.get_username() for u in comment.mentions.all()}

    def mark(match) -> SafeString:
        name = match.group(1).rstrip(".-")
        if name not in names:
            return escape(match.group(0))
        return format_html('<strong class="mention">@{}</strong>{}', name, match.group(1)[len(name):])

    out, last = SafeString(""), 0
    for match in MENTION.finditer(comment.body):
        out += escape(comment.body[last:match.start()]) + mark(match)
        last = match.end()
    return out + escape(comment.body[last:])


def thread_context(user, target) -> dict:
    """What the comments partial shows: the thread and the team members one can @mention."""
    comments = list(selectors.comments_of(target))
    now = timezone.now()
    for c in comments:
        c.html = body_html(c)
        c.when = "just now" if (now - c.created_at).total_seconds() < 60 else f"{timesince(c.created_at, now)} ago"
    return {"comments": comments, "comment_max_length": COMMENT_MAX_LENGTH,
            "mentionable": [u.get_username() for u in members_queryset(target.system.team) if u.pk != user.pk]}


def _post(request, target, detail_url: str):
    require_edit(request.user, target.system.team)
    try:
        services.comment_add(actor=request.user, target=target, body=request.POST.get("body", ""))
    except ValidationError as exc:
        messages.error(request, "Comment not added: " + " ".join(exc.messages))
    except PermissionDenied:
        messages.error(request, "You need the contributor role in this team to comment.")
    else:
        messages.success(request, "Comment added.")
    return redirect(detail_url + "#comments")


@login_required
@require_POST
def risk_comment(request, pk):
    risk = selectors.risk_get(request.user, pk)
    return _post(request, risk, reverse("risk_detail", args=[risk.pk]))


@login_required
@require_POST
def mitigation_comment(request, pk):
    mitigation = selectors.mitigation_get(request.user, pk)
    return _post(request, mitigation, reverse("mitigation_detail", args=[mitigation.pk]))
