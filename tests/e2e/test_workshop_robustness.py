"""Saving what someone else deleted meanwhile: the editor says who deleted it and keeps the text to copy."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from .conftest import collect_errors, login
from .test_accessibility import violations

pytestmark = pytest.mark.browser


@pytest.fixture
def copilot(workshop_team):
    from assessments.reconcile import reconcile_system
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
