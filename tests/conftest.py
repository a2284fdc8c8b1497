"""Shared fixtures. Services (PostgreSQL, Redis, a Celery worker, Chromium) are used for real where a
test asks for them; without them such tests skip with a reason, unless REQUIRE_SERVICES=1 /
REQUIRE_BROWSER=1, where a missing service fails the run.

The test database (one per xdist worker) is created from the models, and the real catalog is loaded
into it once, committed, when it is set up: every test sees it, as a deployed site would. A test that
commits (transactional_db, a live server, a real worker) leaves the database flushed; the catalog is
loaded again before the next test.
"""

import gc
import io
import os

import pytest
from django.conf import settings
from django.core.management import call_command

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


# --- the garbage collector ----------------------------------------------------------------

def pytest_collection_finish(session):
    """Once everything is imported and collected (in each xdist worker), move what exists to the collector's
    permanent generation and let it run less often. Django, the app and a thousand collected tests are
    hundreds of thousands of long-lived objects that the cyclic collector would otherwise walk again at every
    full collection, and the tests allocate fast: this takes about a fifth off the suite's time (409 tests
    of assessments, workshop and catalog, one process: 63.9 s -> 50.3 s) for about 20 MB more memory.
    Reference counting still frees everything that is not in a cycle."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


# --- the catalog, loaded once per session ------------------------------------------------

_catalog_flushed = False


def load_catalog() -> None:
    from catalog.engine.current import clear_cache

    call_command("load_catalog", quiet=True, stdout=io.StringIO())
    clear_cache()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """`make test` runs the browser tests beside the rest of the suite, each run with its own xdist workers
    gw0, gw1: with TEST_DB_SUFFIX=browser the browser run's PostgreSQL databases are test_threatmodel_gw0_browser
    and so on, not the other run's test_threatmodel_gw0 (SQLite test databases are in memory, one per process)."""
    suffix = os.environ.get("TEST_DB_SUFFIX", "")
    if suffix:
        from pytest_django.fixtures import _set_suffix_to_test_databases

        _set_suffix_to_test_databases(suffix)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_catalog()


def _commits(item) -> bool:
    marker = item.get_closest_marker("django_db")
    return "transactional_db" in getattr(item, "fixturenames", ()) or bool(
        marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))


def pytest_collection_modifyitems(config, items):
    """Under xdist (`--dist loadgroup`), the tests that start a real worker or commit run in one process,
    one after the other: two Celery workers and two flushes at once only slow a small machine down. A test
    marked `commits_in_parallel` (the schemathesis shards) stays out of that group: it commits only to its
    own worker's database and is long enough to be worth sharing out. Without xdist (`-p no:xdist`) nothing
    is grouped."""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        if item.get_closest_marker("xdist_group") or item.get_closest_marker("commits_in_parallel"):
            continue
        if "real_worker" in getattr(item, "fixturenames", ()) or item.get_closest_marker("services") or _commits(item):
            item.add_marker(pytest.mark.xdist_group("commits"))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """After a test that flushed the database, load the catalog again before anything else is set up."""
    global _catalog_flushed
    if not _catalog_flushed:
        return
    from pytest_django.plugin import blocking_manager_key

    from catalog.models import CatalogRelease

    with item.config.stash[blocking_manager_key].unblock():
        if not CatalogRelease.objects.exists():
            load_catalog()
    _catalog_flushed = False


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    global _catalog_flushed
    if _commits(item):
        _catalog_flushed = True


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty Django cache: rate-limit and lockout counters are keyed by token,
    user or address ids, which a test database that was flushed hands out again."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def empty_catalog(db):
    """No catalog in the database for this test (deleted inside its transaction, so back after it)."""
    from catalog.engine.current import clear_cache
    from catalog.models import CatalogRelease, ControlTemplate, Framework, FrameworkItem, Question, ThreatTemplate

    for model in (ThreatTemplate.mappings.through, ThreatTemplate.controls.through, ControlTemplate.mappings.through):
        model.objects.all()._raw_delete(model.objects.db)
    for model in (ThreatTemplate, ControlTemplate, CatalogRelease, Question):
        model.objects.all()._raw_delete(model.objects.db)
    FrameworkItem.objects.update(parent=None)
    for model in (FrameworkItem, Framework):
        model.objects.all()._raw_delete(model.objects.db)
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def catalog(db):
    """The compiled catalog of the loaded release."""
    from catalog.engine import current_catalog

    return current_catalog()


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


# --- Live server -------------------------------------------------------------------
# One per test (tests/live.py): it stops after the pages of the test are closed and before the test's
# database access ends, and it refuses whatever arrives late.

@pytest.fixture(autouse=True)
def _clean_start_beside_a_server_or_worker(request):
    """A test that shares its database with a live server or a real worker starts from an empty one, whatever
    the test before it left. Autouse, so it runs before the test's own data fixtures."""
    names = set(request.fixturenames)
    if {"live_server", "real_worker"} & names or (
            "transactional_db" in names and request.node.get_closest_marker("services")):
        from .live import ensure_clean_database

        request.getfixturevalue("transactional_db")
        ensure_clean_database()


@pytest.fixture
def live_server(request, transactional_db):
    from .live import QuietLiveServer

    addr = request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost"
    host, _, port = addr.partition(":")
    server = QuietLiveServer(host, int(port or 0)).start()
    yield server
    server.stop()


# --- Celery -------------------------------------------------------------------------
# Tests run tasks eagerly (in-process) unless they ask for a real worker with the
# `real_worker` fixture, so a configured broker never swallows another test's tasks.

@pytest.fixture(autouse=True)
def _celery_eager_by_default():
    from config.celery import app

    saved = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager, app.conf.task_default_queue = saved


@pytest.fixture
def broker_down(monkeypatch):
    """A real, unreachable broker: nothing listens on port 1. Publishing goes there (`broker_write_url`: setting
    broker_url alone does not override a configured one), tasks are no longer run eagerly, and a connection
    attempt fails at its first refusal: kombu's default is to retry for about 2 s, which here would only be
    waiting (the retry policy itself is kombu's, not ours)."""
    from config.celery import app
    from threatmodel import queue

    monkeypatch.setattr(app.conf, "task_always_eager", False)
    monkeypatch.setattr(app.conf, "broker_write_url", "redis://127.0.0.1:1/0")
    monkeypatch.setattr(app.conf, "broker_transport_options",
                        {**(app.conf.broker_transport_options or {}), "max_retries": 0})

    def reset():
        queue.reset_backoff()
        app._pool = None  # drop pooled connections to the other broker (nothing to close: it never answered)
        app.amqp._producer_pool = None

    reset()
    yield
    reset()


def broker_reachable() -> tuple[bool, str]:
    url = settings.CELERY_BROKER_URL
    if not url:
        return False, "CELERY_BROKER_URL is not set"
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # noqa: BLE001
        return False, f"broker at {url} unreachable: {exc}"
    return True, ""


class WorkerProcess:
    """A real `celery worker` subprocess on its own queue, sharing the test database."""

    def __init__(self, queue: str, env: dict):
        import subprocess
        import sys
        from pathlib import Path

        self.queue = queue
        self.log_path = Path(settings.VAR_DIR) / f"worker-{queue}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "prefork", "-c", "1",
             "-Q", ",".join([queue, *(f"{queue}.{q}" for q in ("reports", "imports", "webhooks"))]),  # config.celery
             "-n", f"{queue}@%h", "--without-gossip", "--without-mingle", "-l", "info"],
            cwd=str(settings.BASE_DIR), env=env, stdout=self._log, stderr=self._log, start_new_session=True)

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        """Warm shutdown (the task in hand finishes), SIGKILL after 15 s; returns once no process of the
        worker (main or pool child) is left to write to the database. Its queue is deleted."""
        from .live import delete_queue, stop_process_group

        stop_process_group(self.proc, grace=15)
        self._log.close()
        for name in (self.queue, *(f"{self.queue}.{q}" for q in ("reports", "imports", "webhooks"))):
            delete_queue(name)


def start_worker(queue: str) -> WorkerProcess:
    import os as _os

    from django.db import connection

    env = dict(_os.environ)
    db = connection.settings_dict
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}")
    env["CELERY_BROKER_URL"] = settings.CELERY_BROKER_URL
    env["MEDIA_ROOT"] = str(settings.MEDIA_ROOT)
    return WorkerProcess(queue, env)


@pytest.fixture
def real_worker(transactional_db):
    """A real Celery worker process on PostgreSQL + Redis; tasks queued in the test go to it."""
    import uuid

    from config.celery import app

    need_service("PostgreSQL", uses_postgres(), "a real worker shares the test database (DATABASE_URL)")
    ok, why = broker_reachable()
    need_service("Celery broker", ok, why)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    worker = start_worker(queue)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    try:
        yield worker
    finally:
        worker.stop()
