"""Named trust zones: a team names the zone a component sits in (the component form, on both pages), and the
diagram draws each zone as a frame around its cards, named, in both orientations and in the export."""

from types import SimpleNamespace as NS

import pytest
from django.urls import reverse

from assessments.workshop import diagram
from assessments.workshop.diagram_svg import to_svg
from threatmodel import services as tm
from threatmodel.models import AuditEvent, Component

from ..factories import make_component, make_system
from .helpers import HX


def comp(pk, kind, name, zone=""):
    return NS(id=pk, kind=kind, name=name, trust_zone=zone)


def overlaps(a, b) -> bool:
    return a.x < b.x + b.w and b.x < a.x + a.w and a.y < b.y + b.h and b.y < a.y + a.h


LANE = [comp(1, "input", "Chat", "Corporate network"), comp(2, "input", "Tickets", "Corporate network"),
        comp(3, "input", "Partner feed"), comp(4, "input", "Vendor API", "Vendor cloud"),
        comp(5, "model", "LLM", "Vendor cloud"), comp(6, "output", "Answer")]


@pytest.mark.parametrize("orientation", ["horizontal", "vertical"])
def test_each_run_of_a_zone_is_framed_around_its_cards_only(orientation):
    d = diagram.layout(LANE, [], orientation=orientation)
    boxes = {b.id: b for b in d.boxes}
    zones = sorted((z.name, z.count) for z in d.zones)
    assert zones == [("Corporate network", 2), ("Vendor cloud", 1), ("Vendor cloud", 1)]
    for z in d.zones:
        inside = [b for b in d.boxes if b.zone == z.name and overlaps(b, z)]
        assert len(inside) == z.count
        for b in inside:  # the frame holds the whole card, with its title band above the first
            assert z.x < b.x and b.x + b.w < z.x + z.w and z.y + diagram.ZONE_HEAD <= b.y and b.y + b.h < z.y + z.h
        for b in d.boxes:
            if b.zone != z.name:
                assert not overlaps(b, z), (z.name, b.name)
        assert z.y + z.h <= d.height and z.x + z.w <= d.width
    assert boxes[1].label.endswith("In trust zone Corporate network. Edit.")
    assert "trust zone" not in boxes[3].label


def test_without_zones_the_layout_is_unchanged():
    plain = [comp(c.id, c.kind, c.name) for c in LANE]
    d = diagram.layout(plain, [])
    assert not d.zones
    ys = [b.y for b in d.boxes if b.kind == "input"]
    assert ys == [diagram.PAD + diagram.HEADER + i * (diagram.BOX_H + diagram.BOX_GAP) for i in range(4)]


def test_the_svg_draws_named_zones_with_their_full_name_for_screen_readers():
    long_name = "Payments processing network operated by the acquiring bank"
    d = diagram.layout([comp(1, "input", "Card form", long_name), comp(2, "model", "Scorer")], [])
    svg = to_svg(d, "h", "Checkout")
    assert f"<title>Trust zone {long_name}: 1 component</title>" in svg
    assert 'class="zone-frame"' in svg and d.zones[0].short.endswith("…")
    assert svg.index('class="zone"') < svg.index('class="card card-input"')  # drawn under the cards


@pytest.mark.django_db
def test_a_team_names_a_zone_in_the_workshop_and_sees_it(login, team, contributor, catalog):
    system = make_system(team, contributor, name="Copilot")
    chat = make_component(system, "input", "Chat", actor=contributor)
    make_component(system, "model", "LLM", actor=contributor)
    client = login(contributor)
    response = client.post(reverse("workshop_component", args=[chat.pk]), {
        "kind": "input", "name": "Chat", "trust_zone": "  Corporate   network ", "version": chat.version}, **HX)
    assert response.status_code == 200
    chat.refresh_from_db()
    assert chat.trust_zone == "Corporate network"
    event = AuditEvent.objects.filter(action="component.updated", object_id=str(chat.pk)).latest("seq")
    assert event.changes["trust_zone"] == ["", "Corporate network"]
    page = client.get(reverse("workshop", args=[system.pk])).content.decode()
    assert "<title>Trust zone Corporate network: 1 component</title>" in page
    assert "named trust zone (Corporate network)" in page
    # the next component's form offers the zones named so far
    form = client.get(reverse("workshop_component_new", args=[system.pk]), {"kind": "output"}, **HX).content.decode()
    assert 'list="id_trust_zone-zones"' in form and '<option value="Corporate network">' in form
    client.post(reverse("component_create", args=[system.pk]), {"kind": "output", "name": "Reply",
                                                                "trust_zone": "Corporate network"})
    assert Component.objects.get(system=system, name="Reply").trust_zone == "Corporate network"
    assert "Trust zone: Corporate network" in client.get(reverse("system_detail", args=[system.pk])).content.decode()
    svg = client.get(reverse("workshop_diagram_export", args=[system.pk, "svg"])).content.decode()
    assert "Trust zone Corporate network" in svg and ".zone-frame" in svg


@pytest.mark.django_db
def test_a_zone_name_must_be_text(team, contributor):
    system = make_system(team, contributor)
    with pytest.raises(Exception) as info:
        tm.component_create(actor=contributor, system=system, kind="input", name="X", trust_zone=["a"])
    assert "trust_zone" in str(info.value)
