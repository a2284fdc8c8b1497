"""A team's risk matrix (which band each likelihood x impact cell falls in)."""

from threatmodel.models import Role, Team
from threatmodel.services import team_update
from threatmodel.services.common import require_role

from ..scoring import validate_matrix


def risk_matrix_update(*, actor, team: Team, matrix, expected_version: int | None = None) -> Team:
    """Set the team's 5x5 matrix (None, or the default itself, resets it). Owners only; audited by team_update."""
    require_role(actor, team, Role.OWNER)
    rows = validate_matrix(matrix)
    team = team_update(actor=actor, team=team, expected_version=expected_version, risk_matrix=rows)
    team.__dict__.pop("_risk_matrix_cache", None)
    return team
