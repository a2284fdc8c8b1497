"""Reads of team data, always scoped to the teams of the requesting user (or token).

An object of another team is a 404 (Http404), never a 403 that confirms it exists.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from .models import AISystem, ApiToken, Component, DataFlow, Membership, Role, Team
from .models.teams import token_effective_scopes


def team_ids_for(user, token: ApiToken | None = None) -> list[int]:
    if token is not None:
        return [token.team_id]
    if user is None or not user.is_authenticated:
        return []
    cache = getattr(user, "_team_ids_cache", None)
    if cache is None:
        cache = list(Membership.objects.filter(user=user).values_list("team_id", flat=True))
        user._team_ids_cache = cache
    return cache


def teams_for_user(user) -> QuerySet[Team]:
    return Team.objects.filter(pk__in=team_ids_for(user))


def membership_for(user, team) -> Membership | None:
    if user is None or not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, team=team).first()


def role_for(user, team) -> str | None:
    membership = membership_for(user, team)
    return membership.role if membership else None


def user_can(user, team, minimum: str) -> bool:
    role = role_for(user, team)
    return role is not None and Role.rank(role) >= Role.rank(minimum)


def can_edit(user, team, *, role: str | None = None) -> bool:
    """Whether the user may change the team's models and registers (a contributor or an owner). Pass
    the user's `role` in the team when it is already known: no query then."""
    if role is None:
        role = role_for(user, team)
    return Role.rank(role or "") >= Role.rank(Role.CONTRIBUTOR)


def require_edit(user, team, *, role: str | None = None) -> None:
    """PermissionDenied unless `can_edit`; every page that writes asks here."""
    if not can_edit(user, team, role=role):
        raise PermissionDenied(f"You need the {Role.CONTRIBUTOR} role in this team.")


def team_get(user, slug: str) -> Team:
    team = Team.objects.filter(slug=slug, pk__in=team_ids_for(user)).first()
    if team is None:
        raise Http404("No such team.")
    return team


def systems_for(user, token: ApiToken | None = None) -> QuerySet[AISystem]:
    return AISystem.objects.filter(team_id__in=team_ids_for(user, token)).select_related("team", "owner")


def system_get(user, pk, token: ApiToken | None = None) -> AISystem:
    system = systems_for(user, token).filter(pk=pk).first()
    if system is None:
        raise Http404("No such system.")
    return system


def components_for(user, token: ApiToken | None = None) -> QuerySet[Component]:
    return Component.objects.filter(system__team_id__in=team_ids_for(user, token)).select_related("system__team")


def component_get(user, pk, token: ApiToken | None = None) -> Component:
    component = components_for(user, token).filter(pk=pk).first()
    if component is None:
        raise Http404("No such component.")
    return component


def flows_for(user, token: ApiToken | None = None) -> QuerySet[DataFlow]:
    return DataFlow.objects.filter(system__team_id__in=team_ids_for(user, token)).select_related(
        "system__team", "source", "target")


def flow_get(user, pk, token: ApiToken | None = None) -> DataFlow:
    flow = flows_for(user, token).filter(pk=pk).first()
    if flow is None:
        raise Http404("No such flow.")
    return flow


def system_model(system: AISystem) -> tuple[list[Component], list[DataFlow]]:
    """A system's components and flows in two queries (for the engine and the diagram)."""
    components = list(system.components.all().order_by("kind", "position", "id"))
    flows = list(system.flows.all().order_by("id"))
    return components, flows


def team_members(team) -> QuerySet[Membership]:
    return Membership.objects.filter(team=team).select_related("user").order_by("user__username")


def team_tokens(team) -> list[ApiToken]:
    """The team's tokens, each with `state` and `effective_scopes` from its member's current role and account."""
    roles = dict(Membership.objects.filter(team=team).values_list("user_id", "role"))
    tokens = list(ApiToken.objects.filter(team=team).select_related("user"))
    for t in tokens:
        t.effective_scopes = token_effective_scopes(t.scopes, roles.get(t.user_id))
        if t.revoked_at is not None:
            t.state = "revoked"
        elif not t.is_active:
            t.state = "expired"
        elif not t.user.is_active:
            t.state = "suspended: user deactivated"
        elif not t.effective_scopes:
            t.state = "suspended: no longer a member"
        elif set(t.effective_scopes) != set(t.scopes or []):
            t.state = f"narrowed to {', '.join(t.effective_scopes)} ({roles.get(t.user_id)} role)"
        else:
            t.state = "active"
    return tokens
