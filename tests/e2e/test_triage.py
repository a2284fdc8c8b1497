"""Triage in the browser: a threat on several components accepted at once, a bulk dismiss undone."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from .conftest import collect_errors, login
from .test_accessibility import violations

pytestmark = pytest.mark.browser


@pytest.fixture
def twin_inputs(workshop_team):
    """The support copilot with a second chat input like the first: its threats apply to both."""
    from assessments.resuggest import resuggest_system as reconcile_system
    from threatmodel import services as tm
    from threatmodel.demo import build_support_assistant
    from threatmodel.models import Component

    fran = workshop_team["facilitator"]
    system = build_support_assistant(actor=fran, team=workshop_team["team"])
    first = Component.objects.filter(system=system, kind="input").order_by("id").first()
    tm.component_create(actor=fran, system=system, kind="input", name="Partner chat", answers=first.answers)
    reconcile_system(system.pk)
    return system


def test_grouped_accept_and_bulk_dismiss_with_undo(page, live_server, workshop_team, twin_inputs, screenshot):
    from assessments.models import Risk

    base = live_server.url
    errors = collect_errors(page)
    login(page, base, "fran")
    page.goto(base + reverse("workshop", args=[twin_inputs.pk]))
    group = page.locator("[data-list=suggestions] .risk-group").first
    expect(group).to_contain_text("Partner chat")
    ids = [int(pk) for pk in group.get_attribute("data-group").split(",")]
    screenshot(page, "workshop-grouped-suggestions-1280")
    assert not violations(page)
    group.get_by_role("button", name=f"Accept all {len(ids)}").click()
    status = page.locator("#triage-status")
    expect(status).to_contain_text(f"Accepted {len(ids)} suggestions.")
    expect(page.locator(f"[data-list=suggestions] [data-group='{','.join(map(str, ids))}']")).to_have_count(0)
    assert set(Risk.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"open"}

    # select two single suggestions, dismiss them with one reason, then undo
    boxes = page.locator("[data-list=suggestions] .risk-card:not(.risk-group) [data-select-risk]")
    picked = [int(boxes.nth(i).get_attribute("value")) for i in range(2)]
    boxes.nth(0).check()
    boxes.nth(1).check()
    bar = page.locator("#bulk-form")
    bar.get_by_label("Action").select_option("dismiss")
    bar.get_by_label("Reason to dismiss").fill("Not in the pilot")
    bar.get_by_role("button", name="Apply").click()
    expect(status).to_contain_text("Dismissed 2 suggestions.")
    assert set(Risk.objects.filter(pk__in=picked).values_list("status", flat=True)) == {"dismissed"}
    status.get_by_role("button", name="Undo").click()
    expect(status).to_contain_text("Undone: 2 risks back among the suggestions.")
    for pk in picked:
        expect(page.locator(f"[data-list=suggestions] #risk-{pk}")).to_be_visible()
    assert set(Risk.objects.filter(pk__in=picked).values_list("status", flat=True)) == {"suggested"}
    screenshot(page, "workshop-after-undo-1280")

    # filter and search the list
    bar = page.locator("#suggestion-filter")
    component = bar.locator("select[name=component] option").nth(1).get_attribute("value")
    bar.get_by_label("Component").select_option(component)
    expect(bar.locator(".filter-count")).to_contain_text(" shown")
    visible = page.locator("[data-list=suggestions] .suggestion:visible")
    assert visible.count() >= 1
    for i in range(visible.count()):
        assert component in visible.nth(i).get_attribute("data-components").split("|")
    bar.get_by_label("Component").select_option("")
    bar.get_by_label("Search").fill("zzz-nothing-matches")
    expect(page.locator("[data-list=suggestions] .suggestion:visible")).to_have_count(0)
    assert not [e for e in errors if "Content Security Policy" in e], errors
