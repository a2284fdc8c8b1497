"""Browser tests: pytest-playwright driving the system Chromium (/usr/bin/chromium) against the live server.

Without Chromium they skip with the reason; with REQUIRE_BROWSER=1 (.ci/run) they fail instead.
Select them with `-m browser`. Screenshots go to tests/e2e/artifacts/ (git-ignored).
"""

import os
import shutil
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
PASSWORD = "correct-horse-battery-staple"


def chromium_path() -> str | None:
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    return shutil.which("chromium") or shutil.which("chromium-browser")


PLAYWRIGHT_FIXTURES = {"page", "context", "new_context", "browser", "launch_browser", "playwright"}


def _uses_a_browser(item, here: Path) -> bool:
    return (Path(str(item.fspath)).resolve().is_relative_to(here) or item.get_closest_marker("browser") is not None
            or bool(PLAYWRIGHT_FIXTURES & set(getattr(item, "fixturenames", ()))))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Mark every browser test (here or in another app's folder) and run them last: once Playwright has
    started, its event loop stays current in this thread for the rest of the session, and Django's ORM
    only works beside it with DJANGO_ALLOW_ASYNC_UNSAFE (set by browser_type_launch_args)."""
    here = Path(__file__).resolve().parent
    browser, others = [], []
    for item in items:
        if _uses_a_browser(item, here):
            item.add_marker(pytest.mark.browser)
            browser.append(item)
        else:
            others.append(item)
    items[:] = others + browser


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """The system Chromium, headless. Also lets Django's ORM run beside Playwright's sync API (whose
    asyncio loop stays current in this thread): DJANGO_ALLOW_ASYNC_UNSAFE is set from the first browser
    test to the end of the session only (browser tests run last), so no earlier test, nor a subprocess
    one spawns, inherits it."""
    path = chromium_path()
    if path is None:
        reason = f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
        if REQUIRE_BROWSER:
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield {**browser_type_launch_args, "executable_path": path, "headless": True, "args": CHROMIUM_ARGS}
    if saved is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


@pytest.fixture(scope="session", autouse=True)
def _patient_expectations():
    """CI machines run other suites beside this one: give assertions 10 s rather than 5 s to come true
    (the live-update check that matters, within 3 s, sets its own timeout)."""
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": DESKTOP, "locale": "en-GB"}


# The live server (tests/conftest.py, `live_server`) is one per test: it stops after the test's pages
# are closed and before its database access ends, and refuses whatever arrives late.

STOP_LIVE = "window.dispatchEvent(new Event('live:stop'))"


def stop_live(page) -> None:
    """End a page's live loop (polls, presence beats, the "leave" beacon): static/js listens for `live:stop`."""
    from playwright.sync_api import Error

    if page.is_closed():
        return
    with suppress(Error):  # a page that is navigating or gone has no loop left to stop
        page.evaluate(STOP_LIVE)


@pytest.fixture
def new_context(new_context, live_server):
    """pytest-playwright's contexts (closed at teardown), with every page's live loop stopped first."""
    made = []

    def make(**kwargs):
        ctx = new_context(**kwargs)
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        for page in ctx.pages:
            stop_live(page)
        ctx.close()


@contextmanager
def quiet(live_server, *pages):
    """The test reads or writes the database itself: stop the pages' live loops, then hold the live server
    idle (the request in flight finished, no other one handled) for the block."""
    for page in pages:
        stop_live(page)
    with live_server.idle():
        yield


@pytest.fixture
def live_catalog(transactional_db):
    """The real catalog in the live server's database (emptied again after each test)."""
    from django.core.management import call_command

    from catalog.engine.current import clear_cache

    with open(os.devnull, "w") as null:
        call_command("load_catalog", quiet=True, stdout=null)
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def workshop_team(live_catalog):
    from threatmodel.models import Role

    from ..factories import TeamFactory, member

    team = TeamFactory(name="Workshop team", slug="workshop-team")
    return {
        "team": team,
        "facilitator": member(team, Role.OWNER, username="fran", first_name="Fran", last_name="Facilitator"),
        "engineer": member(team, Role.CONTRIBUTOR, username="eli", first_name="Eli", last_name="Engineer"),
    }


@pytest.fixture
def screenshot():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str, *, full_page: bool = False):
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page, caret="initial")
        return path

    return take


def login(page, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def collect_errors(page) -> list[str]:
    """Console errors and uncaught exceptions of a page (CSP violations show up here)."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors

