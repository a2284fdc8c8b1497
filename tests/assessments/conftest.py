"""Fixtures for the register's tests.

`catalog` loads the real catalog (catalog/data) once per test module inside a transaction that is
rolled back when the module ends, so other apps' tests never see it; each test runs in a savepoint
inside it, as usual.
"""

import pytest
from django.core.management import call_command
from django.db import transaction

from catalog.engine import current_catalog
from config.celery import app as celery_app


@pytest.fixture(autouse=True)
def _eager_tasks(monkeypatch):
    """The register's hooks run their tasks in-process here, even when a broker is configured (CI's
    real-stack pass), so a test sees the re-suggest it triggered."""
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)
    monkeypatch.setattr(celery_app.conf, "task_eager_propagates", True)


@pytest.fixture(scope="module")
def catalog(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_catalog", quiet=True, stdout=_Null())
        yield current_catalog()
        transaction.set_rollback(True)


class _Null:
    def write(self, *_args, **_kwargs):
        return 0

    def flush(self):
        return None


@pytest.fixture
def system(catalog, team, contributor):
    from .factories import make_support_system

    return make_support_system(team, contributor)
