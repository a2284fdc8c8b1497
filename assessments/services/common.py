"""Helpers shared by the register's services (validation that names the field, snapshots)."""

import datetime
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date

from threatmodel.audit import actor_label
from threatmodel.models import Membership


def to_date(value, field: str, *, allow_none: bool = True) -> datetime.date | None:
    """A date from a date or an ISO 8601 string; ValidationError naming the field otherwise."""
    if value in (None, ""):
        if allow_none:
            return None
        raise ValidationError({field: "This date is required."})
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    parsed = None
    if isinstance(value, str):
        try:
            parsed = parse_date(value.strip())
        except ValueError:
            parsed = None
    if parsed is None:
        raise ValidationError({field: f"'{value}' is not a date (use YYYY-MM-DD)."})
    return parsed


def clean_text(value, field: str, *, max_length: int | None = None, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: "This must be text."})
    value = value.strip()
    if required and not value:
        raise ValidationError({field: "This field is required."})
    if max_length and len(value) > max_length:
        raise ValidationError({field: f"At most {max_length} characters (this has {len(value)})."})
    return value


def clean_links(value, field: str = "evidence_links") -> list[str]:
    """A list of http(s) URLs (a newline-separated string is accepted too)."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = list(value.splitlines())
    if not isinstance(value, (list, tuple)):
        raise ValidationError({field: "Links must be a list of URLs."})
    validate = URLValidator(schemes=["http", "https"])
    links, errors = [], []
    for raw in value:
        link = str(raw).strip() if raw is not None else ""
        if not link:
            continue
        try:
            validate(link)
        except ValidationError:
            errors.append(f"'{link[:80]}' is not an http(s) URL.")
            continue
        if link not in links:
            links.append(link)
    if errors:
        raise ValidationError({field: errors})
    return links


def resolve_member(team, value, field: str = "owner"):
    """A user of the team from a user, a username or None/""; ValidationError naming the field otherwise."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        user = get_user_model().objects.filter(username=value, memberships__team=team).first()
        if user is None:
            raise ValidationError({field: f"'{value}' is not a member of team '{team.slug}'."})
        return user
    check_member(team, value, field)
    return value


def check_member(team, user, field: str) -> None:
    if user is not None and not Membership.objects.filter(team=team, user=user).exists():
        name = user.get_username() if hasattr(user, "get_username") else str(user)
        raise ValidationError({field: f"'{name}' is not a member of team '{team.slug}'."})


def user_ref(user) -> str | None:
    """How a user appears in an audit diff: a pseudonymous label that survives erasure."""
    return None if user is None else actor_label(user)


def ids(values: Iterable) -> list[int]:
    return sorted({getattr(v, "pk", v) for v in values})


def on_commit(fn) -> None:
    transaction.on_commit(fn)


def today() -> datetime.date:
    return timezone.localdate()
