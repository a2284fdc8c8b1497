from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from threatmodel.audit import audit_verify
from threatmodel.models import ApiToken, Membership, Team
from threatmodel.models.systems import AISystem

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_api_token_creates_team_user_and_prints_only_the_token():
    raw = run("create_api_token", "--team", "ci", "--user", "bot", "--role", "owner", "--scopes", "read,write").strip()
    assert raw.startswith("tmk_") and "\n" not in raw
    team = Team.objects.get(slug="ci")
    assert Membership.objects.get(team=team, user__username="bot").role == "owner"
    token = ApiToken.objects.get()
    assert token.scopes == ["read", "write"] and token.digest != raw
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.post("/api/v1/systems/", {"name": "From CI"}, format="json").status_code == 201
    assert AISystem.objects.filter(team=team).count() == 1
    assert audit_verify(team=team).ok


def test_create_api_token_rejects_bad_scopes():
    with pytest.raises(CommandError, match="scopes"):
        run("create_api_token", "--team", "ci", "--user", "bot", "--scopes", "admin")
    assert not ApiToken.objects.exists()
