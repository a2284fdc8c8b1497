"""Fixtures for the register's tests (the real catalog is loaded once per session, tests/conftest.py)."""

import pytest

from assessments.models import Risk
from config.celery import app as celery_app
from threatmodel.models import AuditEvent

from ..factories import make_support_system


@pytest.fixture(autouse=True)
def _eager_tasks(monkeypatch):
    """The register's hooks run their tasks in-process here, even when a broker is configured (CI's
    real-stack pass), so a test sees the re-suggest it triggered."""
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)
    monkeypatch.setattr(celery_app.conf, "task_eager_propagates", True)




@pytest.fixture
def system(catalog, team, contributor):
    return make_support_system(team, contributor)


@pytest.fixture
def suggested(system) -> Risk:
    return Risk.objects.filter(system=system, template__ref="AI-IN-001").get()


def nothing_written(before_events: int, **counts) -> bool:
    return AuditEvent.objects.count() == before_events and all(
        model.objects.count() == n for model, n in counts.values())
