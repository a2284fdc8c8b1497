"""Shared bits of the register pages."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError

from threatmodel import selectors as tm_selectors
from threatmodel.exceptions import VersionConflict
from threatmodel.models import Role

from .. import scoring


def can_edit(user, team) -> bool:
    return tm_selectors.user_can(user, team, Role.CONTRIBUTOR)


def require_edit(user, team) -> None:
    if not can_edit(user, team):
        raise PermissionDenied("You need the contributor role in this team.")


def matrix_of(team):
    cached = getattr(team, "_risk_matrix_cache", None)
    if cached is None:
        cached = team._risk_matrix_cache = scoring.matrix_for(team)
    return cached


def run_service(request, form, write) -> bool:
    """Call a service for a valid form; put its errors on the form. True on success."""
    try:
        write()
        return True
    except ValidationError as exc:
        form.add_service_errors(exc)
    except VersionConflict as exc:
        form.add_error(None, f"{exc}. Nothing was saved: review the current values and submit again.")
        form.data = form.data.copy()
        form.data["version"] = exc.current
    except PermissionDenied as exc:
        messages.error(request, str(exc) or "You cannot change this.")
        form.add_error(None, str(exc) or "You cannot change this.")
    return False
