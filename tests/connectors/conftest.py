import pytest
from rest_framework.test import APIClient

from assessments import services as reg
from assessments.connectors import services as connectors
from threatmodel import services

from ..factories import make_system
from .fakes import FakeGitHub, FakeJira


@pytest.fixture
def fake_jira():
    with FakeJira() as fake:
        yield fake


@pytest.fixture
def fake_github():
    with FakeGitHub() as fake:
        yield fake


@pytest.fixture
def system(team, owner):
    return make_system(team, owner, name="Support assistant")


@pytest.fixture
def mitigation(system, owner):
    return reg.mitigation_create(actor=owner, system=system, title="Filter prompts", description="Strip injections")


@pytest.fixture
def owner_api(team, owner):
    raw = services.api_token_create(actor=owner, team=team, user=owner, name="ops", scopes=["read", "write"])[1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def jira(team, owner, fake_jira):
    return connectors.connector_create(actor=owner, team=team, kind="jira", base_url=fake_jira.url, project_key="SEC",
                                       username="bot@example.com", token="jira-token-123",
                                       webhook_secret="jira-hook-secret")


@pytest.fixture
def github(team, owner, fake_github):
    return connectors.connector_create(actor=owner, team=team, kind="github", base_url=fake_github.url,
                                       repository="acme/ml-platform", token="ghp_test_token_1",
                                       webhook_secret="github-hook-secret")
