"""Fixtures for the interop tests: the hand-written files in fixtures/, and eager tasks so the engine's
on-commit hook runs in-process (the real catalog is loaded once per session, tests/conftest.py)."""

from pathlib import Path

import pytest

from config.celery import app as celery_app

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture(autouse=True)
def _eager_tasks(monkeypatch):
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)
    monkeypatch.setattr(celery_app.conf, "task_eager_propagates", True)


