import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from ..audit import audit_record, diff
from ..models import ApiToken, Membership, Role, Team
from ..models.teams import ROLE_SCOPES, token_effective_scopes
from .common import apply_changes, check_version, require_role, snapshot

TOKEN_PREFIX = "tmk_"  # noqa: S105 - a public prefix that makes leaked tokens greppable, not a secret


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def team_create(*, actor, name: str, slug: str = "") -> Team:
    if actor is not None and settings.TEAM_CREATION_STAFF_ONLY and not actor.is_staff:
        raise PermissionDenied("Only staff can create teams here; ask a team owner to invite you.")
    with transaction.atomic():
        team = Team(name=name, slug=slug or slugify(name)[:80])
        team.full_clean()
        team.save()
        audit_record(team=team, actor=actor, action="team.created", obj=team,
                     changes=diff({}, {"name": team.name, "slug": team.slug}))
        if actor is not None:
            Membership.objects.create(team=team, user=actor, role=Role.OWNER)
            audit_record(team=team, actor=actor, action="membership.created", object_type="membership",
                         object_id=str(actor.pk), object_repr=f"user-{actor.pk}",
                         changes={"role": [None, Role.OWNER]})
    return team


def team_update(*, actor, team: Team, expected_version: int | None = None, **changes) -> Team:
    require_role(actor, team, Role.OWNER)
    with transaction.atomic():
        team = Team.objects.select_for_update().get(pk=team.pk)
        check_version(team, expected_version)
        fields = ("name", "risk_matrix")
        before = snapshot(team, fields)
        apply_changes(team, changes, set(fields))
        team.full_clean()
        changed = diff(before, snapshot(team, fields))
        if changed:
            team.version += 1
            team.save()
            audit_record(team=team, actor=actor, action="team.updated", obj=team, changes=changed)
    return team


def membership_set(*, actor, team: Team, user, role: str) -> Membership:
    """Change a member's role (owners only). Nobody is added here: people join by accepting an invitation
    (services.invitations)."""
    require_role(actor, team, Role.OWNER)
    if role not in Role.values:
        raise ValidationError({"role": f"'{role}' is not one of {', '.join(Role.values)}."})
    with transaction.atomic():
        membership = Membership.objects.select_for_update().filter(team=team, user=user).first()
        if membership is None:
            raise ValidationError({"user": "Not a member of this team: invite them; they join by accepting."})
        old = membership.role
        if old == role:
            return membership
        if old == Role.OWNER and role != Role.OWNER:
            _ensure_another_owner(team, user)
        membership.role = role
        membership.save()
        audit_record(team=team, actor=actor, action="membership.updated",
                     object_type="membership", object_id=str(user.pk), object_repr=f"user-{user.pk}",
                     changes={"role": [old, role]})
    return membership


def _ensure_another_owner(team: Team, user) -> None:
    if not Membership.objects.filter(team=team, role=Role.OWNER).exclude(user=user).exists():
        raise ValidationError({"role": "A team needs at least one owner."})


def membership_remove(*, actor, team: Team, user) -> None:
    require_role(actor, team, Role.OWNER)
    with transaction.atomic():
        membership = Membership.objects.select_for_update().filter(team=team, user=user).first()
        if membership is None:
            return
        if membership.role == Role.OWNER:
            _ensure_another_owner(team, user)
        membership.delete()
        audit_record(team=team, actor=actor, action="membership.deleted", object_type="membership",
                     object_id=str(user.pk), object_repr=f"user-{user.pk}",
                     changes={"role": [membership.role, None]})
        _revoke_member_tokens(actor=actor, team=team, user=user, reason="member removed")


def _revoke_member_tokens(*, actor, team: Team, user, reason: str) -> int:
    """Revoke a former member's tokens in `team` (authentication refuses them already; this makes it last)."""
    now = timezone.now()
    tokens = list(ApiToken.objects.select_for_update().filter(team=team, user=user, revoked_at__isnull=True))
    for token in tokens:
        token.revoked_at = now
        token.save(update_fields=["revoked_at"])
        audit_record(team=team, actor=actor, action="api_token.revoked", obj=token,
                     changes={"revoked_at": [None, now], "reason": [None, reason]})
    return len(tokens)


def api_token_create(*, actor, team: Team, user, name: str, scopes=("read",), expires_at=None
                     ) -> tuple[ApiToken, str]:
    """Create a token for `user` in `team`. Returns (token, raw secret): the secret is shown once."""
    require_role(actor, team, Role.OWNER)
    scopes = sorted(set(scopes))
    bad = [s for s in scopes if s not in ApiToken.SCOPES]
    if not scopes or bad:
        raise ValidationError({"scopes": f"Scopes must be a non-empty subset of {', '.join(ApiToken.SCOPES)}."})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "The expiry must be in the future."})
    if not Membership.objects.filter(team=team, user=user).exists():
        raise ValidationError({"user": "The token's user must be a member of the team."})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken(team=team, user=user, name=name, scopes=scopes, prefix=raw[:12],
                         digest=token_digest(raw), expires_at=expires_at)
        token.full_clean()
        token.save()
        audit_record(team=team, actor=actor, action="api_token.created", obj=token,
                     changes={"name": [None, name], "scopes": [None, scopes], "user": [None, f"user-{user.pk}"]})
    return token, raw


def api_token_revoke(*, actor, token: ApiToken) -> ApiToken:
    require_role(actor, token.team, Role.OWNER)
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_record(team=token.team, actor=actor, action="api_token.revoked", obj=token,
                         changes={"revoked_at": [None, token.revoked_at]})
    return token


__all__ = ["ROLE_SCOPES", "api_token_create", "api_token_revoke", "apply_changes", "membership_remove",
           "membership_set", "team_create", "team_update", "token_digest", "token_effective_scopes"]
