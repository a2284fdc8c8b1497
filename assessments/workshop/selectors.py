"""Reads for the workshop page, scoped through the register's and threatmodel's selectors (another
team's system, risk or mitigation is a 404). What the page shows is built from them by the presenter
(`assessments.workshop.presenter`)."""

from threatmodel import selectors as tm_selectors
from threatmodel.models import AISystem

from .. import selectors as register_selectors
from ..models import Mitigation, Risk, RiskStatus

ACTIVE = (RiskStatus.SUGGESTED, RiskStatus.OPEN, RiskStatus.MITIGATING)
IN_REGISTER = (RiskStatus.OPEN, RiskStatus.MITIGATING)


def workshop_system(user, pk) -> tuple[AISystem, str]:
    """The system (404 outside the user's teams) and the user's role in its team."""
    system = tm_selectors.system_get(user, pk)
    return system, tm_selectors.role_for(user, system.team) or ""


def risk_get(user, pk) -> Risk:
    return register_selectors.risk_get(user, pk)


def mitigation_get(user, pk) -> Mitigation:
    return register_selectors.mitigation_get(user, pk)
