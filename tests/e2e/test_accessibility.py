"""axe-core (axe-playwright-python) on the main pages: no serious or critical violation; screenshots of each
page at 1280 px (projector) and 390 px (phone) for a person to look at."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from .conftest import DESKTOP, PHONE, collect_errors, login, quiet

pytestmark = pytest.mark.browser
BLOCKING = {"serious", "critical"}


@pytest.fixture
def demo(workshop_team):
    from assessments import services
    from assessments.models import Risk
    from assessments.resuggest import resuggest_system
    from threatmodel.demo import build_support_assistant

    fran, eli = workshop_team["facilitator"], workshop_team["engineer"]
    system = build_support_assistant(actor=fran, team=workshop_team["team"])
    resuggest_system(system.pk)
    risks = list(Risk.objects.filter(system=system).order_by("id")[:4])
    for risk in risks[:3]:
        services.risk_transition(actor=fran, risk=risk, status="open")
    services.risk_transition(actor=fran, risk=risks[3], status="dismissed", reason="Covered by the gateway")
    first = Risk.objects.get(pk=risks[0].pk)
    services.risk_update(actor=fran, risk=first, likelihood=5, impact=4, owner=eli)
    services.mitigation_create(actor=fran, system=system, title="Filter prompts", owner=eli, risks=[first.pk])
    return system


def open_page(page, url: str, *, live: bool) -> None:
    """Open a page and wait until it is settled: no request left (the network is idle) or, on the workshop
    (which polls, so is never idle) its first presence beat answered: its script has run, htmx has started."""
    if not live:
        page.goto(url)
        page.wait_for_load_state("networkidle")
        return
    with page.expect_response(lambda r: r.url.endswith("/workshop/presence/")) as beat:
        page.goto(url)
    assert beat.value.ok


def violations(page) -> list[str]:
    results = Axe().run(page)
    out = []
    for v in results.response["violations"]:
        if v.get("impact") in BLOCKING:
            targets = [", ".join(n["target"]) for n in v["nodes"][:5]]
            out.append(f"{v['impact']} {v['id']}: {v['help']} -> {targets}")
    return out


VIEWPORTS = {"1280": DESKTOP, "390": PHONE}


@pytest.mark.parametrize("size", VIEWPORTS)  # two tests, so that parallel browser workers share them out
def test_main_pages_have_no_serious_accessibility_violations(page, live_server, workshop_team, demo, screenshot, size):
    base = live_server.url
    errors = collect_errors(page)
    login(page, base, "fran")
    team = workshop_team["team"]
    from catalog.models import ControlTemplate, ThreatTemplate

    with quiet(live_server, page):
        threat = ThreatTemplate.objects.order_by("ref").first()
        control = ControlTemplate.objects.order_by("ref").first()
    pages = {
        "dashboard": reverse("dashboard"),
        "workshop": reverse("workshop", args=[demo.pk]),
        "register": reverse("system_register", args=[demo.pk]),
        "team-register": reverse("team_register", args=[team.slug]),
        "catalog": reverse("catalog:threat_list"),
        "catalog-threat": reverse("catalog:threat_detail", args=[threat.ref]),
        "catalog-controls": reverse("catalog:control_list"),
        "catalog-control": reverse("catalog:control_detail", args=[control.ref]),
        "system-details": reverse("system_detail", args=[demo.pk]),
    }
    found = {}
    page.set_viewport_size(VIEWPORTS[size])
    for name, path in pages.items():
        open_page(page, base + path, live=name == "workshop")
        screenshot(page, f"{name}-{size}")
        problems = violations(page)
        if problems:
            found[f"{name} @ {size}"] = problems
    if size == "1280":
        found.update(editors_open(page, base + pages["workshop"], screenshot))
    assert not found, found
    assert not [e for e in errors if "Content Security Policy" in e], errors


def editors_open(page, workshop_url: str, screenshot) -> dict:
    """The workshop with its editors open: the component questionnaire, a risk being scored, a mitigation form."""
    open_page(page, workshop_url, live=True)
    page.locator(".diagram-h .card-link").first.click()
    page.locator("#editor form[data-editor-form]").wait_for()
    register_card = page.locator("[data-list=register] .risk-card").first
    register_card.get_by_role("link", name="Score & edit").click()
    register_card.locator("select[name=likelihood]").wait_for()
    second = page.locator("[data-list=register] .risk-card").nth(1)
    second.get_by_role("link", name="Mitigate…").click()
    second.locator("input[name=source]").first.wait_for()
    screenshot(page, "workshop-editing-1280")
    problems = violations(page)
    return {"workshop with editors open": problems} if problems else {}
