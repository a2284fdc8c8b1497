"""Shared fixtures. Services (PostgreSQL, Redis, a Celery worker, Chromium) are used for real where a
test asks for them; without them such tests skip with a reason, unless REQUIRE_SERVICES=1 /
REQUIRE_BROWSER=1, where a missing service fails the run."""

import os

import pytest
from django.conf import settings

from threatmodel.models import Role

from .factories import PASSWORD, TeamFactory, member

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"


def need_service(what: str, available: bool, why: str = "") -> None:
    """Skip (or fail under REQUIRE_SERVICES=1) when a real service is not available."""
    if available:
        return
    message = f"{what} not available{': ' + why if why else ''}"
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {message}")
    pytest.skip(message)


def uses_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


@pytest.fixture(autouse=True)
def _no_axes_lockouts_between_tests(settings):
    settings.AXES_ENABLED = False


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def team(db):
    return TeamFactory()


@pytest.fixture
def other_team(db):
    return TeamFactory()


@pytest.fixture
def owner(team):
    return member(team, Role.OWNER)


@pytest.fixture
def contributor(team):
    return member(team, Role.CONTRIBUTOR)


@pytest.fixture
def viewer(team):
    return member(team, Role.VIEWER)


@pytest.fixture
def outsider(other_team):
    """An owner of another team."""
    return member(other_team, Role.OWNER)


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login
