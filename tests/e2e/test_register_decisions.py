"""The register of decisions in a real browser: awaiting triage apart, comments with a mention, every asset a
page asks for exists, and at 390 px the heat maps and the table scroll in their own boxes."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, collect_errors, login
from .test_accessibility import violations

pytestmark = pytest.mark.browser


@pytest.fixture
def decided(workshop_team):
    from assessments import services
    from assessments.models import Risk
    from assessments.resuggest import resuggest_system as reconcile_system
    from threatmodel.demo import build_support_assistant

    fran = workshop_team["facilitator"]
    system = build_support_assistant(actor=fran, team=workshop_team["team"])
    reconcile_system(system.pk)
    risks = list(Risk.objects.filter(system=system).order_by("id")[:3])
    for risk in risks[:2]:
        services.risk_transition(actor=fran, risk=risk, status="open")
    services.risk_transition(actor=fran, risk=risks[2], status="dismissed", reason="Covered by the gateway")
    return system


def failed_requests(page) -> list[str]:
    """Every response of 400 or more the page caused (a missing favicon, script or stylesheet)."""
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return failed


def test_register_counts_decisions_and_scrolls_in_its_own_boxes(page, live_server, workshop_team, decided,
                                                                screenshot):
    from assessments.models import Risk

    base = live_server.url
    failed = failed_requests(page)
    errors = collect_errors(page)
    login(page, base, "fran")
    page.goto(base + reverse("system_register", args=[decided.pk]))
    awaiting = Risk.objects.filter(system=decided, status="suggested").count()
    link = page.get_by_role("link", name=f"{awaiting} awaiting triage")
    expect(link).to_have_attribute("href", reverse("workshop", args=[decided.pk]) + "#suggestions")
    expect(page.locator(".summary-counts")).to_contain_text("2 risks")
    expect(page.locator("table.register tbody tr")).to_have_count(3)  # two open, one dismissed

    page.set_viewport_size(PHONE)
    page.reload()
    page.wait_for_load_state("networkidle")
    screenshot(page, "register-decisions-390", full_page=True)
    sizes = page.evaluate("""() => {
        const box = document.querySelector('.table-box');
        return {page: document.documentElement.scrollWidth, view: window.innerWidth,
                table: box.scrollWidth, tableBox: box.clientWidth};
    }""")
    assert sizes["page"] <= sizes["view"], sizes  # the page never scrolls sideways
    assert sizes["table"] > sizes["tableBox"], sizes  # the table scrolls inside its own box
    assert not violations(page)
    page.set_viewport_size(DESKTOP)
    for path in (reverse("dashboard"), reverse("team_register", args=[workshop_team["team"].slug]),
                 reverse("workshop", args=[decided.pk])):
        page.goto(base + path)
        page.wait_for_load_state("load")
    page.goto(base + "/favicon.ico")
    assert not failed, failed
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_comment_with_a_mention(page, live_server, workshop_team, decided, screenshot):
    from assessments.models import Comment, Risk

    base = live_server.url
    errors = collect_errors(page)
    login(page, base, "fran")
    risk = Risk.objects.filter(system=decided, status="open").order_by("id").first()
    page.goto(base + reverse("risk_detail", args=[risk.pk]))
    comments = page.locator("#comments")
    expect(comments).to_contain_text("Mention a team member with @")
    comments.get_by_label("Add a comment").fill("@eli can you check the gateway logs?")
    comments.get_by_role("button", name="Comment").click()
    expect(page.locator("#comments .comment .mention")).to_have_text("@eli")
    expect(page.locator("#comments .comment-body")).to_contain_text("can you check the gateway logs?")
    screenshot(page, "risk-comment-1280")
    assert [u.username for u in Comment.objects.get().mentions.all()] == ["eli"]
    assert not violations(page)
    assert not [e for e in errors if "Content Security Policy" in e], errors
