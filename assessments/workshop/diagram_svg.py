"""The workshop diagram as SVG markup (the layout is in diagram.py)."""

import re
from html import escape

from .diagram import LABEL_LINE, Box, Diagram, _fmt

# --- SVG ----------------------------------------------------------------------------------------
# Built here rather than in a template: a 60-component system draws a few hundred elements twice
# (both orientations), which the template engine takes ~30 ms for and this takes ~2 ms. Every text is
# escaped; there is no inline style or script (classes only, styled by static/css/workshop.css).

# Characters XML 1.0 does not allow even escaped (C0 controls but tab and newline, lone surrogates, U+FFFE/F):
# a name that holds one (a pasted vertical tab, say) would make the exported SVG unreadable for every parser.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _e(value) -> str:
    return escape(NOT_XML.sub("", str(value)), quote=True)


def _name_text(b: Box, x: str) -> str:
    lines = b.lines or (b.short,)
    if len(lines) == 1:
        return f'<text class="card-name" x="{x}" y="{_fmt(b.name_y + 9)}">{_e(lines[0])}</text>'
    last = len(lines) - 1  # a space ends every line but the last: the text reads whole ("Help-centre articles")
    spans = "".join(f'<tspan x="{x}" y="{_fmt(b.name_y + i * 19)}">{_e(line)}{" " if i < last else ""}</tspan>'
                    for i, line in enumerate(lines))
    return f'<text class="card-name">{spans}</text>'


def to_svg(d: Diagram, suffix: str, system_name: str, *, links: bool = True) -> str:
    """The diagram as an SVG element (a string of escaped markup); `links=False` for a file (no editor links)."""
    lanes = ", ".join(f"{lane.count} {lane.title.lower()}" for lane in d.lanes)
    n = len(d.arrows)
    out = [
        f'<svg class="diagram-svg diagram-{suffix}" viewBox="0 0 {_fmt(d.width)} {_fmt(d.height)}" '
        f'aria-labelledby="diagram-title-{suffix}" focusable="false">'
        f'<title id="diagram-title-{suffix}">Diagram of {_e(system_name)}: {lanes} and {n} data '
        f'flow{"" if n == 1 else "s"}</title>'
        f'<defs><marker id="arrow-{suffix}" viewBox="0 0 10 10" refX="2" refY="5" markerUnits="userSpaceOnUse" '
        f'markerWidth="10" markerHeight="10" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        f'class="arrowhead"/></marker></defs>'
    ]
    for lane in d.lanes:
        out.append(
            f'<rect class="lane-bg lane-bg-{lane.kind}" x="{_fmt(lane.x)}" y="{_fmt(lane.y)}" width="{_fmt(lane.w)}" '
            f'height="{_fmt(lane.h)}" rx="10"/><text class="lane-title" x="{_fmt(lane.title_x)}" '
            f'y="{_fmt(lane.title_y)}">{lane.title} ({lane.count})</text>')
    for z in d.zones:  # named trust zones: a dashed frame around their cards, the name on top
        out.append(f'<g class="zone"><title>{_e(z.title)}</title><rect class="zone-frame" x="{_fmt(z.x)}" '
                   f'y="{_fmt(z.y)}" width="{_fmt(z.w)}" height="{_fmt(z.h)}" rx="10"/>'
                   f'<text class="zone-label" x="{_fmt(z.x + 8)}" y="{_fmt(z.y + 14)}">{_e(z.short)}</text></g>')
    for z in d.boundaries:
        out.append(f'<g class="boundary"><title>Trust boundary: flows across it cross a trust boundary</title>'
                   f'<line class="boundary-line" x1="{_fmt(z.x)}" y1="{_fmt(z.y1)}" x2="{_fmt(z.x)}" '
                   f'y2="{_fmt(z.y2)}"/><text class="boundary-label" text-anchor="middle">'
                   f'<tspan x="{_fmt(z.x)}" y="{_fmt(z.y1 + 14)}">trust</tspan>'
                   f'<tspan x="{_fmt(z.x)}" y="{_fmt(z.y1 + 27)}">boundary</tspan></text></g>')
    out.append('<g class="flows">')
    for a in d.arrows:
        css = "flow flow-boundary" if a.crosses_boundary else "flow"
        out.append(f'<path class="{css}" d="{a.path}" marker-end="url(#arrow-{suffix})"><title>{_e(a.title)}</title>'
                   f'</path>')
    if d.orientation == "horizontal":  # labels after every arrow, so that no arrow is drawn over a label
        for a in d.arrows:
            if not a.label:
                continue
            lines = a.label_lines or (a.label,)
            top = a.label_y - (len(lines) - 1) * LABEL_LINE / 2
            spans = "".join(f'<tspan x="{_fmt(a.label_x)}" y="{_fmt(top + i * LABEL_LINE)}">{_e(line)}'
                            f'{" " if i < len(lines) - 1 else ""}</tspan>' for i, line in enumerate(lines))
            out.append(f'<text class="flow-label" text-anchor="middle"><title>{_e(a.title)}</title>{spans}</text>')
    out.append("</g>")
    for b in d.boxes:
        top = b.stats.top_band
        band = (f'Highest: <tspan class="card-band-{top}">{top.upper()}</tspan>' if top else "No open threat")
        x = _fmt(b.text_x)
        opener = (f'<a class="card-link" href="{_e(b.url)}" hx-get="{_e(b.url)}" hx-target="#editor" '
                  f'data-component="{b.id}" data-kind="{b.kind}" aria-label="{_e(b.label)}" '
                  f'aria-keyshortcuts="Alt+ArrowUp Alt+ArrowDown">' if links else
                  f'<g class="card-group" data-component="{b.id}">')
        out.append(
            opener + f'<title>{_e(b.name)}</title>'
            f'<rect class="card card-{b.kind}" x="{_fmt(b.x)}" y="{_fmt(b.y)}" width="{_fmt(b.w)}" '
            f'height="{_fmt(b.h)}" rx="8"/>'
            + _name_text(b, x) +
            f'<text class="card-stats" x="{x}" y="{_fmt(b.stats_y)}">{_e(b.stats_text)}</text>'
            f'<text class="card-band" x="{x}" y="{_fmt(b.band_y)}">{band}</text>' + ("</a>" if links else "</g>"))
    out.append("</svg>")
    return "".join(out)
