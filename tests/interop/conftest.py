"""Fixtures for the interop tests: the real catalog (loaded once per module, rolled back after), the
hand-written files in fixtures/, and eager tasks so the engine's on-commit hook runs in-process."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction

from catalog.engine import current_catalog
from config.celery import app as celery_app

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture(autouse=True)
def _eager_tasks(monkeypatch):
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)
    monkeypatch.setattr(celery_app.conf, "task_eager_propagates", True)


class _Null:
    def write(self, *_args, **_kwargs):
        return 0

    def flush(self):
        return None


@pytest.fixture(scope="module")
def catalog(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_catalog", quiet=True, stdout=_Null())
        yield current_catalog()
        transaction.set_rollback(True)
