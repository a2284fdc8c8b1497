"""The system diagram as a file: a standalone SVG (its own style sheet, no links into the workshop) and
a PNG rendered from that SVG with cairo. Served by the workshop (`workshop_diagram_export`) and the
API (`GET /api/v1/systems/{id}/diagram/?format=svg|png`)."""

import re

from django.utils.text import slugify

from threatmodel import selectors as tm_selectors

from ..models import Risk
from . import diagram
from .diagram_svg import to_svg

FORMATS = {"svg": "image/svg+xml", "png": "image/png"}
PNG_SCALE = 2  # sharp on a projector and in a document
FONT = "'DejaVu Sans', 'Liberation Sans', Arial, Helvetica, sans-serif"
STYLE = f"""
.lane-bg {{ stroke-width: 1; }}
.lane-bg-input {{ fill: #e3eefb; stroke: #b9d0ee; }} .lane-bg-model {{ fill: #ece6fa; stroke: #cbbfee; }}
.lane-bg-output {{ fill: #e2f3e8; stroke: #b5dcc3; }}
.lane-title {{ font-family: {FONT}; font-size: 18px; font-weight: 700; fill: #1b1f24; }}
.card {{ fill: #fff; stroke-width: 2; }} .card-input {{ stroke: #3b6fb6; }} .card-model {{ stroke: #6a4fb3; }}
.card-output {{ stroke: #2f7d4f; }}
.card-name {{ font-family: {FONT}; font-size: 15px; font-weight: 700; fill: #1b1f24; }}
.card-stats {{ font-family: {FONT}; font-size: 12px; fill: #3d4650; }}
.card-band {{ font-family: {FONT}; font-size: 11px; fill: #3d4650; }}
.card-band-low {{ fill: #1e6b2a; font-weight: 700; }} .card-band-medium {{ fill: #8a5300; font-weight: 700; }}
.card-band-high {{ fill: #b3261e; font-weight: 700; }} .card-band-critical {{ fill: #6d1130; font-weight: 700; }}
.flow {{ fill: none; stroke: #3d4a5c; stroke-width: 2.2; }}
.flow-boundary {{ stroke: #a3361a; stroke-dasharray: 7 4; }}
.arrowhead {{ fill: #3d4a5c; }}
.flow-label {{ font-family: {FONT}; font-size: 11px; fill: #1b1f24; }}
.boundary-line {{ stroke: #a3361a; stroke-width: 2; stroke-dasharray: 10 6; }}
.boundary-label {{ font-family: {FONT}; font-size: 10px; font-weight: 700; fill: #a3361a; }}
.zone-frame {{ fill: #fff7f3; fill-opacity: .55; stroke: #a3361a; stroke-width: 1.6; stroke-dasharray: 6 4; }}
.zone-label {{ font-family: {FONT}; font-size: 11px; font-weight: 700; fill: #8a2d15; }}
"""


def system_diagram(system, orientation: str = "horizontal") -> diagram.Diagram:
    """The workshop's diagram of `system` (same layout and card statistics as the page)."""
    from .presenter.model import card_stats

    components, flows = tm_selectors.system_model(system)
    risks = list(Risk.objects.filter(system=system).only("id", "component_id", "status", "likelihood", "impact"))
    return diagram.layout(components, flows, card_stats(system, components, risks), orientation=orientation)


def diagram_svg(system) -> str:
    """A standalone SVG document of the system's diagram."""
    d = system_diagram(system)
    svg = to_svg(d, "export", system.name, links=False)
    svg = re.sub(r'^<svg class="[^"]*"', '<svg xmlns="http://www.w3.org/2000/svg" class="diagram-svg" '
                 f'width="{int(d.width)}" height="{int(d.height)}"', svg, count=1)
    head = (f'<style>{STYLE}</style><rect x="0" y="0" width="{int(d.width)}" height="{int(d.height)}" '
            'fill="#ffffff"/>')
    svg = svg.replace("</defs>", "</defs>" + head, 1)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + svg


def diagram_png(system) -> bytes:
    import cairosvg

    svg = diagram_svg(system).encode()
    return cairosvg.svg2png(bytestring=svg, scale=PNG_SCALE, unsafe=False)


def diagram_file(system, fmt: str) -> tuple[bytes, str, str]:
    """(content, media type, file name) of the diagram in `fmt` ("svg" or "png")."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown diagram format {fmt!r}")
    content = diagram_svg(system).encode() if fmt == "svg" else diagram_png(system)
    return content, FORMATS[fmt], f"{slugify(system.name) or 'system'}-diagram.{fmt}"
