"""Fixtures for the API tests: clients with bearer tokens of each kind, and a register to sync.

`catalog` loads the real catalog once per module inside a transaction rolled back at the end of the
module (as in tests/assessments), so suggested risks carry real templates and mappings.
"""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from assessments import services as reg
from catalog.engine import current_catalog
from config.celery import app as celery_app
from threatmodel import services

from ..assessments.factories import make_support_system


class _Null:
    def write(self, *_args, **_kwargs):
        return 0

    def flush(self):
        return None


@pytest.fixture(autouse=True)
def _eager_tasks(monkeypatch):
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)
    monkeypatch.setattr(celery_app.conf, "task_eager_propagates", True)


@pytest.fixture(scope="module")
def catalog(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_catalog", quiet=True, stdout=_Null())
        yield current_catalog()
        transaction.set_rollback(True)


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
    """The demo support chatbot, reconciled: suggested catalog risks; plus one custom risk and a mitigation."""
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
