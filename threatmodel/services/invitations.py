"""Membership only by accepted invitation.

An owner invites an email address; the application mails a single-use link that expires
(`INVITATION_DAYS`). Nothing changes in the team until the invited person opens the link and
accepts: a new person chooses a username and their own password, someone with an account accepts
while logged in. The mail is fixed text: it quotes nothing the inviter typed (not even the team
name), so the application cannot be used to send arbitrary text to an address; the team and the
inviter are shown on the page behind the link.
"""

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ..audit import audit_record
from ..models import Invitation, Membership, Role, Team
from .common import require_role
from .teams import token_digest

log = logging.getLogger(__name__)
INVITE_PREFIX = "inv_"
MAX_PENDING_PER_TEAM = 100


def invitation_create(*, actor, team: Team, email: str, role: str = Role.CONTRIBUTOR, site_url: str = ""
                      ) -> tuple[Invitation, str]:
    """Invite `email` to `team` (owners only); the link is mailed after commit. Returns (invitation, secret).

    `site_url` (e.g. "https://threats.example.org") starts the link; SITE_URL when not given."""
    require_role(actor, team, Role.OWNER)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": "Enter a valid email address."}) from exc
    if role not in Role.values:
        raise ValidationError({"role": f"'{role}' is not one of {', '.join(Role.values)}."})
    now = timezone.now()
    raw = INVITE_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        Team.objects.select_for_update().filter(pk=team.pk).first()
        pending = Invitation.objects.filter(team=team, accepted_at__isnull=True, revoked_at__isnull=True,
                                            expires_at__gt=now)
        pending.filter(email=email).update(revoked_at=now)  # a new invitation replaces an unanswered one
        if pending.count() >= MAX_PENDING_PER_TEAM:
            raise ValidationError({"email": f"This team has {MAX_PENDING_PER_TEAM} unanswered invitations; "
                                            "revoke some first."})
        invitation = Invitation.objects.create(
            team=team, email=email, role=role, digest=token_digest(raw), invited_by=actor,
            expires_at=now + timedelta(days=settings.INVITATION_DAYS))
        audit_record(team=team, actor=actor, action="invitation.created", obj=invitation,
                     changes={"role": [None, role], "expires_at": [None, invitation.expires_at]})
        link = (site_url or getattr(settings, "SITE_URL", "")).rstrip("/") + reverse("invitation_accept", args=[raw])
        transaction.on_commit(lambda: _send_invitation(invitation, link))
    return invitation, raw


def _send_invitation(invitation: Invitation, link: str) -> None:
    body = (
        "Hello,\n\n"
        "An owner of a team on the AI Threat Register invited this address to join their team.\n"
        "Open the link to see which team and to accept; if you do nothing, nothing happens.\n\n"
        f"{link}\n\n"
        f"The link works once and expires on {invitation.expires_at:%Y-%m-%d %H:%M} UTC.\n"
        "If you did not expect this, ignore this mail.\n")
    try:
        send_mail("[AI Threat Register] You are invited to join a team", body, settings.DEFAULT_FROM_EMAIL,
                  [invitation.email])
    except Exception:  # noqa: BLE001 - the owner can revoke and invite again; the failure is logged
        log.exception("could not send invitation %s", invitation.pk)


def invitation_open(raw: str) -> Invitation | None:
    """The pending invitation a link names, or None (unknown, used, revoked or expired)."""
    if not raw or not raw.startswith(INVITE_PREFIX):
        return None
    invitation = Invitation.objects.select_related("team", "invited_by").filter(digest=token_digest(raw)).first()
    return invitation if invitation is not None and invitation.is_open else None


def invitation_accept(*, raw: str, user) -> Membership:
    """`user` (logged in) accepts: they join with the invited role. The link is spent."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().filter(digest=token_digest(raw or "")).first()
        if invitation is None or not invitation.is_open:
            raise ValidationError("This invitation link is not valid any more (used, revoked or expired).")
        invitation.accepted_at, invitation.accepted_by = timezone.now(), user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        membership, created = Membership.objects.get_or_create(team=invitation.team, user=user,
                                                               defaults={"role": invitation.role})
        audit_record(team=invitation.team, actor=user, action="invitation.accepted", obj=invitation,
                     changes={"accepted_by": [None, f"user-{user.pk}"]})
        if created:
            audit_record(team=invitation.team, actor=user, action="membership.created", object_type="membership",
                         object_id=str(user.pk), object_repr=f"user-{user.pk}",
                         changes={"role": [None, invitation.role], "invitation": [None, f"invitation-{invitation.pk}"]})
    return membership


def invitation_accept_new_account(*, raw: str, username: str, password: str):
    """A new person accepts: an account with the invited email and the password they chose, then membership."""
    User = get_user_model()
    with transaction.atomic():
        invitation = invitation_open(raw)
        if invitation is None:
            raise ValidationError("This invitation link is not valid any more (used, revoked or expired).")
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError({"username": "Choose another username."})
        user = User(username=username, email=invitation.email)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password1": exc.messages}) from exc
        user.set_password(password)
        user.full_clean()
        user.save()
        invitation_accept(raw=raw, user=user)
    return user


def invitation_revoke(*, actor, invitation: Invitation) -> Invitation:
    require_role(actor, invitation.team, Role.OWNER)
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.is_open:
            invitation.revoked_at = timezone.now()
            invitation.save(update_fields=["revoked_at"])
            audit_record(team=invitation.team, actor=actor, action="invitation.revoked", obj=invitation,
                         changes={"revoked_at": [None, invitation.revoked_at]})
    return invitation
