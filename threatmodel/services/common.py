from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import model_to_dict

from ..exceptions import VersionConflict
from ..models import AISystem, Membership, Role


def require_role(user, team, minimum: str) -> Membership | None:
    """The actor's membership, if it grants at least `minimum`; PermissionDenied otherwise.

    `user=None` is the system itself (tasks, commands) and is always allowed.
    """
    if user is None:
        return None
    membership = Membership.objects.filter(team=team, user=user).first()
    if membership is None or not membership.has_role(minimum):
        raise PermissionDenied(f"this needs the {minimum} role in team '{team.slug}'")
    return membership


def lock_system(system_id: int) -> None:
    """The first lock of any write to a system's model (PostgreSQL; SQLite writers are serial anyway).

    One order everywhere: the system row, then the object written, then the team row (the audit chain).
    NO KEY UPDATE serialises writers of one system (and its re-suggest) without blocking the key-share
    locks that foreign keys take at COMMIT, so a writer never waits for a lock taken later in the order.
    """
    AISystem.objects.select_for_update(of=("self",), no_key=True).filter(pk=system_id).values_list(
        "pk", flat=True).first()


def check_version(obj, expected_version: int | None) -> None:
    if expected_version is not None and int(expected_version) != obj.version:
        raise VersionConflict(obj, expected_version)


def snapshot(obj, fields) -> dict:
    data = model_to_dict(obj, fields=fields)
    return {f: data.get(f) for f in fields}


def apply_changes(obj, changes: dict, allowed: set[str]) -> None:
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed here."))
    for field, value in changes.items():
        setattr(obj, field, value)


def bump(obj) -> None:
    obj.version = (obj.version or 0) + 1


def ensure_member_user(team, user, field: str = "owner") -> None:
    if user is not None and not Membership.objects.filter(team=team, user=user).exists():
        raise ValidationError({field: f"'{user.get_username()}' is not a member of team '{team.slug}'."})


__all__ = ["Role", "apply_changes", "bump", "check_version", "ensure_member_user", "lock_system", "require_role",
           "snapshot"]
