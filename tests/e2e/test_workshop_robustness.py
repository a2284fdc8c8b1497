"""Saving what someone else deleted meanwhile: the editor says who deleted it and keeps the text to copy."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from .conftest import collect_errors, login
from .test_accessibility import violations

pytestmark = pytest.mark.browser


@pytest.fixture
def copilot(workshop_team):
    from assessments.resuggest import resuggest_system as reconcile_system
    from threatmodel.demo import build_support_assistant

    system = build_support_assistant(actor=workshop_team["facilitator"], team=workshop_team["team"])
    reconcile_system(system.pk)
    return system


def test_saving_a_component_someone_deleted_keeps_the_text(page, live_server, workshop_team, copilot, screenshot):
    from threatmodel import services as tm
    from threatmodel.models import Component

    base = live_server.url
    errors = collect_errors(page)
    login(page, base, "fran")
    page.goto(base + reverse("workshop", args=[copilot.pk]))
    component = Component.objects.filter(system=copilot, kind="input").order_by("id").first()
    page.locator(f'.diagram-h .card-link[href$="/workshop/components/{component.pk}/"]').click()
    editor = page.locator("#editor")
    name = editor.get_by_label("Name", exact=True)
    name.fill("Refund tool call")
    tm.component_delete(actor=workshop_team["engineer"], component=component)  # Eli deletes it meanwhile
    editor.get_by_role("button", name="Save").click()
    note = editor.locator(".gone-note")
    expect(note).to_contain_text("was deleted by Eli Engineer")
    expect(note.locator("textarea")).to_contain_text("name: Refund tool call")
    screenshot(page, "workshop-deleted-meanwhile-1280")
    assert not violations(page)
    assert not [e for e in errors if "Content Security Policy" in e], errors


OVERLAPS = """(svg) => {
  const boxes = [...svg.querySelectorAll('rect.card')].map(r => r.getBoundingClientRect());
  const inside = (a, b) => a.left >= b.left - 1 && a.right <= b.right + 1
    && a.top >= b.top - 1 && a.bottom <= b.bottom + 1;
  const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const problems = [];
  svg.querySelectorAll('text.card-name').forEach(t => {
    const box = t.getBoundingClientRect();
    if (!boxes.some(b => inside(box, b))) problems.push('name outside its card: ' + t.textContent);
  });
  const labels = [...svg.querySelectorAll('text.flow-label')].map(t => [t.textContent, t.getBoundingClientRect()]);
  labels.forEach(([text, box], i) => {
    if (boxes.some(b => hit(box, b))) problems.push('label on a card: ' + text);
    labels.slice(i + 1).forEach(([other, o]) => {
      if (hit(box, o)) problems.push('labels overlap: ' + text + ' / ' + other);
    });
  });
  return problems;
}"""


def test_diagram_has_no_cut_names_or_overlaps_and_downloads(page, live_server, workshop_team, copilot, screenshot):
    from threatmodel import services as tm
    from threatmodel.models import Component

    fran = workshop_team["facilitator"]
    chat = Component.objects.filter(system=copilot, kind="input").order_by("id").first()
    tm.component_update(actor=fran, component=chat, name="Customer chat message from the web widget")
    llm = Component.objects.filter(system=copilot, kind="model").first()
    for i, name in enumerate(("Order lookup tool call result", "Refund tool call", "Shipping status")):
        extra = tm.component_create(actor=fran, system=copilot, kind="input", name=name)
        tm.flow_create(actor=fran, system=copilot, source=extra, target=llm, label=f"tool result number {i}")
    base = live_server.url
    login(page, base, "fran")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(base + reverse("workshop", args=[copilot.pk]))
    svg = page.locator("svg.diagram-h")
    expect(svg.locator("a.card-link > title", has_text="Customer chat message from the web widget")).to_have_count(1)
    assert svg.evaluate(OVERLAPS) == []
    screenshot(page, "workshop-diagram-1440")
    page.keyboard.press("p")  # presentation mode: larger text, same guarantees
    page.wait_for_function("document.documentElement.classList.contains('presenting')")
    assert svg.evaluate(OVERLAPS) == []
    screenshot(page, "workshop-diagram-presenting-1440")
    page.keyboard.press("p")
    for fmt, magic in (("svg", b"<?xml"), ("png", b"\x89PNG")):
        with page.expect_download() as info:
            page.get_by_role("link", name=fmt.upper(), exact=True).click()
        assert info.value.suggested_filename.endswith(f"-diagram.{fmt}")
        with open(info.value.path(), "rb") as got:
            assert got.read().startswith(magic)
    assert not violations(page)


def test_cards_reorder_by_keyboard_and_by_drag(page, live_server, workshop_team, copilot, screenshot):
    from threatmodel import services as tm
    from threatmodel.selectors import system_model

    fran = workshop_team["facilitator"]
    tm.component_create(actor=fran, system=copilot, kind="input", name="Partner feed")

    def inputs():
        return [c.name for c in system_model(copilot)[0] if c.kind == "input"]

    first, second, third = inputs()
    base = live_server.url
    errors = collect_errors(page)
    login(page, base, "fran")
    page.goto(base + reverse("workshop", args=[copilot.pk]))
    lane = page.locator("svg.diagram-h a.card-link[data-kind=input]")
    lane.nth(0).focus()
    page.keyboard.press("Alt+ArrowDown")
    expect(page.locator("#ws-status")).to_have_text("Order saved.")
    expect(lane.nth(1)).to_have_attribute("aria-label", re.compile(f"^Input {first}:"))
    assert inputs() == [second, first, third]

    # drag the last card to the top of its lane
    last, top = lane.nth(2).bounding_box(), lane.nth(0).bounding_box()
    page.mouse.move(last["x"] + 40, last["y"] + 20)
    page.mouse.down()
    page.mouse.move(last["x"] + 40, top["y"] + 5, steps=8)
    page.mouse.up()
    expect(lane.nth(0)).to_have_attribute("aria-label", re.compile(f"^Input {third}:"))
    assert inputs() == [third, second, first]
    expect(page.locator("#editor [data-editor-form]")).to_have_count(0)  # the drag did not open the editor
    screenshot(page, "workshop-reordered-1280")
    assert not [e for e in errors if "Content Security Policy" in e], errors
