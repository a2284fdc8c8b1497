"""The workshop's editors in a real browser: the one mitigation editor with its filterable risk picker, the
comment thread with a mention inside the risk editor, and a named trust zone drawn in the diagram."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from .conftest import collect_errors, login
from .test_accessibility import violations

pytestmark = pytest.mark.browser


@pytest.fixture
def copilot(workshop_team):
    from assessments import services
    from assessments.models import Risk
    from assessments.resuggest import resuggest_system
    from threatmodel.demo import build_support_assistant

    system = build_support_assistant(actor=workshop_team["facilitator"], team=workshop_team["team"])
    resuggest_system(system.pk)
    for risk in Risk.objects.filter(system=system, status="suggested").select_related("component").order_by("id")[:6]:
        services.risk_transition(actor=workshop_team["facilitator"], risk=risk, status="open")
    return system


def test_mitigate_with_the_risk_picker_and_discuss_with_a_mention(page, live_server, workshop_team, copilot,
                                                                  screenshot):
    from assessments.models import Mitigation, Risk

    base = live_server.url
    errors = collect_errors(page)
    login(page, base, "fran")
    page.goto(base + reverse("workshop", args=[copilot.pk]))
    card = page.locator("[data-list=register] .risk-card").first
    risk_id = int(card.get_attribute("data-risk"))
    other = Risk.objects.filter(system=copilot, status="open", component__isnull=False).exclude(pk=risk_id) \
        .select_related("component").order_by("id").first()
    card.get_by_role("link", name="Mitigate…").click()
    picker = card.locator("[data-risk-picker]")
    filter_box = picker.get_by_label("Filter")
    expect(filter_box).to_be_visible()  # the filter appears with JavaScript
    items = picker.locator(".picker-list li")
    total = items.count()
    assert total >= 2
    expect(picker).not_to_contain_text("Suggested")  # untriaged suggestions are not offered
    filter_box.fill(other.component.name)
    expect(picker.locator(".picker-count")).to_contain_text("shown")
    visible = picker.locator(".picker-list li:visible")
    assert 1 <= visible.count() <= total
    picker.locator(f"input[value='{other.pk}']").check()
    card.locator("input[name=source]").last.check()  # write my own
    card.get_by_label("Title (for your own mitigation)").fill("Gateway prompt filter")
    assert not violations(page)
    screenshot(page, "workshop-mitigation-picker-1280")
    card.get_by_role("button", name="Save mitigation").click()
    mitigation = page.locator("#mitigation-list .mit-card", has_text="Gateway prompt filter")
    expect(mitigation).to_be_visible()
    saved = Mitigation.objects.get(system=copilot, title="Gateway prompt filter")
    linked = set(saved.risks.values_list("pk", flat=True))
    assert linked == {risk_id, other.pk}

    # the same editor, with its statuses, on the mitigation's card; and a comment with a mention on the risk
    mitigation.get_by_role("link", name="Edit").click()
    status = mitigation.locator("select[name=status]")
    expect(status.locator("option")).to_have_count(4)  # proposed, and where it can go: planned, in progress, rejected
    card = page.locator(f"#risk-{risk_id}")
    card.get_by_role("link", name="Score & edit").click()
    thread = card.locator(".ws-comments")
    expect(thread).to_contain_text("@eli")
    thread.get_by_label("Add a comment").fill("@eli can you check the gateway logs?")
    thread.get_by_role("button", name="Comment").click()
    expect(card.locator(".ws-comments .comment .mention")).to_have_text("@eli")
    expect(card.locator("select[name=likelihood]")).to_be_visible()  # the editor stays open
    assert not violations(page)
    screenshot(page, "workshop-comment-1280")
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_a_named_trust_zone_is_drawn_around_its_cards(page, live_server, workshop_team, copilot, screenshot):
    from threatmodel.models import Component

    base = live_server.url
    login(page, base, "fran")
    page.goto(base + reverse("workshop", args=[copilot.pk]))
    component = Component.objects.filter(system=copilot, kind="input").order_by("position", "id").first()
    page.locator(f'.diagram-h .card-link[href$="/workshop/components/{component.pk}/"]').click()
    editor = page.locator("#editor")
    editor.get_by_label("Trust zone").fill("Customer devices")
    editor.get_by_role("button", name="Save").click()
    expect(editor.locator(".msg-success")).to_be_visible()
    zone = page.locator(".diagram-h g.zone")
    expect(zone).to_have_count(1)
    expect(zone.locator("text.zone-label")).to_have_text("Customer devices")
    expect(page.locator(".diagram-legend")).to_contain_text("named trust zone (Customer devices)")
    frame, card = zone.locator("rect").bounding_box(), page.locator(
        f'.diagram-h .card-link[data-component="{component.pk}"] rect').bounding_box()
    assert frame["x"] < card["x"] and frame["y"] < card["y"]
    assert frame["x"] + frame["width"] > card["x"] + card["width"]
    assert frame["y"] + frame["height"] > card["y"] + card["height"]
    assert not violations(page)
    screenshot(page, "workshop-trust-zone-1280")
