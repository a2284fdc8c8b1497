"""Fixtures for the API tests: clients with bearer tokens of each kind, and a register to sync.
(the real catalog is loaded once per session, tests/conftest.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from assessments import services as reg
from config.celery import app as celery_app
from threatmodel import services

from ..factories import make_support_system


@pytest.fixture(autouse=True)
def _eager_tasks(monkeypatch):
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)
    monkeypatch.setattr(celery_app.conf, "task_eager_propagates", True)


def bearer(raw: str | None = None) -> APIClient:
    client = APIClient()
    if raw:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def api():
    return bearer


def make_token(team, user, scopes=("read", "write"), *, actor=None, expires_at=None, name="sync"):
    owner = actor or user
    return services.api_token_create(actor=owner, team=team, user=user, name=name, scopes=list(scopes),
                                     expires_at=expires_at)[1]


@pytest.fixture
def write_token(team, owner):
    return make_token(team, owner)


@pytest.fixture
def read_token(team, owner):
    return make_token(team, owner, ("read",), name="ro")


@pytest.fixture
def contributor_token(team, owner, contributor):
    return make_token(team, contributor, actor=owner, name="contrib")


@pytest.fixture
def client_rw(write_token):
    return bearer(write_token)


@pytest.fixture
def register(catalog, team, owner, contributor):
    """The demo support chatbot, re-suggested: suggested catalog risks; plus one custom risk and a mitigation."""
    system = make_support_system(team, owner)
    risk = reg.risk_create(actor=owner, system=system, title="Custom risk", likelihood=2, impact=4,
                           mappings=["NIST-AI-RMF:MEASURE 2.7"])
    mitigation = reg.mitigation_create(actor=owner, system=system, title="Filter inputs", risks=[risk])
    risk.refresh_from_db()
    return {"system": system, "risk": risk, "mitigation": mitigation}


def expired(team, user):
    token, raw = services.api_token_create(actor=user, team=team, user=user, name="old", scopes=["read", "write"],
                                           expires_at=timezone.now() + timedelta(seconds=5))
    type(token).objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    return raw
