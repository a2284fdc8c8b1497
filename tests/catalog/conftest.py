"""Fixtures for the catalog tests: the real data (read once), copies to break, loaded releases."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings

from catalog.engine import catalog_from_files
from catalog.engine.current import clear_cache
from catalog.loader import read_catalog
from catalog.services import catalog_load

DATA_DIR = Path(settings.CATALOG_DATA_DIR)


@pytest.fixture(scope="session")
def real_catalog():
    """The validated catalog files (catalog.loader.LoadedCatalog)."""
    return read_catalog(DATA_DIR)


@pytest.fixture(scope="session")
def compiled():
    """The real catalog compiled from the files (no database)."""
    return catalog_from_files(DATA_DIR)


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """A writable copy of catalog/data to break or edit."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


@pytest.fixture(autouse=True)
def _catalog_tests_start_empty(request):
    """The catalog's own tests load releases themselves: they start from an empty catalog."""
    if "db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("empty_catalog")


@pytest.fixture
def loaded(db):
    """The real catalog loaded into the test database."""
    clear_cache()
    result = catalog_load()
    yield result
    clear_cache()
