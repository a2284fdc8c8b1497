"""Comments on risks and mitigations: a short thread, with @mentions of team members.

`comment_add` is the one write: it validates the text, resolves the @mentions against the team's
members (a name that is not a member stays plain text), stores the comment, records the audit
event on the risk's or mitigation's own history (`risk.commented`, `mitigation.commented`), emits the
`comment.created` webhook event and, after commit, mails each person mentioned, the way owners are
mailed about an assignment.
"""

import re

from django.contrib.auth import get_user_model
from django.db import transaction

from threatmodel.audit import audit_record
from threatmodel.models import Role
from threatmodel.services.common import require_role
from threatmodel.webhooks import emit

from .. import notifications
from ..models import COMMENT_MAX_LENGTH, Comment, Mitigation, Risk
from .common import clean_text, user_ref

# "@alice", "@alice.smith", "(@bob)"; not the middle of an e-mail address ("a@b.example").
MENTION = re.compile(r"(?<![\w@.+-])@([\w.@+-]{1,150})")


def mentioned_names(body: str) -> list[str]:
    """The usernames written as @name in ``body``, in order, without a sentence's trailing punctuation."""
    seen: dict[str, None] = {}
    for raw in MENTION.findall(body or ""):
        seen.setdefault(raw.rstrip(".-"), None)
    return [name for name in seen if name]


def mentioned_members(team, body: str) -> list:
    names = mentioned_names(body)
    if not names:
        return []
    found = {u.username: u for u in get_user_model().objects.filter(
        memberships__team=team, username__in=names, is_active=True)}
    return [found[n] for n in names if n in found]


def comment_payload(comment: Comment) -> dict:
    """The webhook's `data`: what the comment is on and where to read it (the API shows the text)."""
    kind = comment.target_type
    target_id = comment.risk_id or comment.mitigation_id
    return {"object_type": "comment", "id": comment.pk, "href": f"/api/v1/{kind}s/{target_id}/comments/",
            "on": {"object_type": kind, "id": target_id, "href": f"/api/v1/{kind}s/{target_id}/"},
            "system": comment.system_id, "author": comment.author.get_username() if comment.author_id else None,
            "mentions": [u.get_username() for u in comment.mention_list], "created_at": comment.created_at}


def comment_add(*, actor, target: Risk | Mitigation, body: str) -> Comment:
    """Add a comment to a risk or a mitigation (contributors and owners of its team)."""
    if not isinstance(target, (Risk, Mitigation)):
        raise TypeError("comments are on a risk or a mitigation")
    team = target.system.team
    require_role(actor, team, Role.CONTRIBUTOR)
    body = clean_text(body, "body", max_length=COMMENT_MAX_LENGTH, required=True)
    mentions = [u for u in mentioned_members(team, body) if actor is None or u.pk != actor.pk]
    kind = "risk" if isinstance(target, Risk) else "mitigation"
    with transaction.atomic():
        # The risk or mitigation must still be there (someone may just have deleted it): lock its row.
        target = type(target).objects.select_for_update().select_related("system__team").get(pk=target.pk)
        comment = Comment.objects.create(system_id=target.system_id, author=actor, body=body,
                                         **{kind: target})
        comment.mentions.set(mentions)
        comment.mention_list = mentions
        changes = {"comment": [None, body]}
        if mentions:
            changes["mentioned"] = [None, [user_ref(u) for u in mentions]]
        audit_record(team=team, actor=actor, action=f"{kind}.commented", obj=target, changes=changes)
        emit(team, "comment.created", comment_payload(comment))
        for user in mentions:
            notifications.notify_mentioned(comment, user, actor)
    return comment
