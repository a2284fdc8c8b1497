"""The diagram without cut names or overlapping labels, with trust boundaries, and as SVG/PNG files."""

from types import SimpleNamespace as NS
from xml.etree import ElementTree

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from assessments.workshop import diagram, diagram_svg


def comp(pk, kind, name):
    return NS(id=pk, kind=kind, name=name)


def flow(pk, source, target, label="", **answers):
    return NS(id=pk, source_id=source, target_id=target, label=label, answers=answers)


def test_names_wrap_to_two_lines_and_keep_their_full_text():
    name = "Customer chat message from the web widget"
    d = diagram.layout([comp(1, "input", name), comp(2, "model", "LLM")], [])
    box = next(b for b in d.boxes if b.id == 1)
    assert len(box.lines) == 2 and all(len(line) <= diagram.NAME_CHARS for line in box.lines)
    assert box.lines[0] == "Customer chat"
    svg = diagram_svg.to_svg(d, "h", "S")
    assert f"<title>{name}</title>" in svg and name in box.label  # hover and screen readers
    assert diagram.wrap("Supercalifragilistic", 10) == ("Supercalif", "ragilistic")


def test_flow_labels_sit_between_lanes_and_never_overlap():
    comps = [comp(i, "input", f"In {i}") for i in range(1, 5)] + [comp(9, "model", "LLM")]
    flows = [flow(10 + i, i, 9, f"a rather long label number {i}") for i in range(1, 5)]
    d = diagram.layout(comps, flows)
    labels = sorted(a.label_y for a in d.arrows)
    assert all(b - a >= diagram.LABEL_SPACING for a, b in zip(labels, labels[1:], strict=False))
    cards = [(b.x, b.x + b.w) for b in d.boxes]
    for a in d.arrows:
        half = diagram.LABEL_CHARS * 3.5  # about half the width of a line at the label's font size
        assert not any(x1 < a.label_x + half and a.label_x - half < x2 for x1, x2 in cards), a
        assert all(len(line) <= diagram.LABEL_CHARS for line in a.label_lines)
        assert a.full_label in a.title


def test_a_trust_boundary_flow_draws_a_boundary_between_its_lanes():
    comps = [comp(1, "input", "Chat"), comp(2, "model", "LLM"), comp(3, "output", "Answer")]
    d = diagram.layout(comps, [flow(10, 1, 2, "prompt", crosses_trust_boundary=True), flow(11, 2, 3)])
    assert len(d.boundaries) == 1
    gap = d.boundaries[0].x
    boxes = {b.id: b for b in d.boxes}
    assert boxes[1].x + boxes[1].w < gap < boxes[2].x
    assert 'class="boundary-line"' in diagram_svg.to_svg(d, "h", "S")


@pytest.mark.django_db
def test_diagram_downloads_from_the_workshop_and_the_api(login, rag, contributor, owner, outsider):
    from threatmodel.services import api_token_create

    client = login(contributor)
    svg = client.get(reverse("workshop_diagram_export", args=[rag.pk, "svg"]))
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    assert svg["Content-Disposition"].startswith("attachment;")
    root = ElementTree.fromstring(svg.content)  # noqa: S314 - our own output: a well-formed standalone document
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and b"<style>" in svg.content
    assert b"hx-get" not in svg.content and b"Support LLM" in svg.content
    png = client.get(reverse("workshop_diagram_export", args=[rag.pk, "png"]))
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert client.get(reverse("workshop_diagram_export", args=[rag.pk, "gif"])).status_code == 404
    assert login(outsider).get(reverse("workshop_diagram_export", args=[rag.pk, "svg"])).status_code == 404

    _token, key = api_token_create(actor=owner, team=rag.team, user=contributor, name="d", scopes=["read"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    url = f"/api/v1/systems/{rag.pk}/diagram/"
    assert api.get(url).content.startswith(b"<?xml")
    got = api.get(url + "?format=png")
    assert got.status_code == 200 and got["Content-Type"] == "image/png" and got.content.startswith(b"\x89PNG")
    other = APIClient()
    other.force_authenticate(outsider)
    assert other.get(url).status_code == 404


def test_names_with_characters_xml_forbids_still_export(login, rag, contributor):
    """Found by the schemathesis run: a component renamed through the API with a vertical tab made the SVG
    ill-formed and its PNG a 500. Such characters are left out of the drawing; the rest of the name stays."""
    from threatmodel import services as tm

    component = rag.components.order_by("position").first()
    tm.component_update(actor=contributor, component=component, name="Help\x0bdesk \x01form")
    client = login(contributor)
    svg = client.get(reverse("workshop_diagram_export", args=[rag.pk, "svg"]))
    root = ElementTree.fromstring(svg.content)  # noqa: S314 - our own output, parsed to prove it is well-formed
    text = " ".join("".join(node.itertext()) for node in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "Helpdesk form" in text, text
    png = client.get(reverse("workshop_diagram_export", args=[rag.pk, "png"]))
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
