"""The import journey in Chromium: upload, read the preview, change a kind, import, land on the workshop.

Uses the e2e suite's browser set-up (system Chromium, a live server per test); skips without Chromium unless
REQUIRE_BROWSER=1. No console error (so no CSP violation: the pages need no inline script or style) and no
serious accessibility violation; screenshots in tests/e2e/artifacts/ for a person to look at.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import (  # noqa: F401 - fixtures used by name
    ARTIFACTS,
    PHONE,
    browser_context_args,
    browser_type_launch_args,
    collect_errors,
    live_catalog,
    login,
    new_context,
    quiet,
    workshop_team,
)

from .conftest import FIXTURES

pytestmark = pytest.mark.browser


def test_import_threat_dragon_model_in_the_browser(page, live_server, workshop_team):  # noqa: F811
    from threatmodel.models import AISystem

    base = live_server.url
    errors = collect_errors(page)
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
    login(page, base, "fran")
    page.click("nav >> text=Import")
    page.wait_for_url(f"{base}/import/")
    page.set_input_files("#id_file", str(FIXTURES / "threat-dragon-v2.json"))
    page.click("text=Upload and preview")
    page.wait_for_selector("text=What could not be mapped, and why")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "import-preview-1280.png"), full_page=True)
    assert page.locator("code.json-path", has_text="$.detail.diagrams[0].cells[13].target").count() == 1
    blocking = [v["id"] for v in Axe().run(page).response["violations"] if v.get("impact") in ("serious", "critical")]
    assert blocking == []
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(ARTIFACTS / "import-preview-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.select_option("select[name=kind-5]", "model")
    page.click("button:has-text('Import')")
    page.wait_for_url(f"{base}/systems/*/workshop/")
    imported = page.locator("text=was imported").count()
    assert imported == 1
    with quiet(live_server, page):  # the workshop page's live loop stopped, the server idle
        system = AISystem.objects.get(team=workshop_team["team"])
        assert system.components.get(name__startswith="Übersetzungs").kind == "model"
    assert missing == []  # every page, style and script loaded (the browser's favicon probe aside)
    assert [e for e in errors if "Content Security Policy" in e or "Refused to" in e] == []
