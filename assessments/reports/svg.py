"""Charts of the reports as inline SVG: the lanes diagram, the likelihood x impact heat maps and the coverage bars.

Plain strings built here, every piece of user text escaped, no ``style`` attributes or elements
(the pages' Content-Security-Policy forbids inline styles; presentation attributes are fine) and
no external references, so the same markup works in the browser preview and in WeasyPrint.
"""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from threatmodel.models import ComponentKind

BAND_COLOURS = {"low": "#2e7d32", "medium": "#b26a00", "high": "#c2410c", "critical": "#9f1239"}
LANE_FILL = dict(zip(ComponentKind.values, ("#e8f1fb", "#f1ecfb", "#eaf6ee"), strict=True))  # in lane order
STATUS_COLOURS = {"covered": "#2e7d32", "accepted": "#0b5cad", "planned": "#b26a00", "gap": "#c2410c",
                  "not_assessed": "#9ca3af"}
BAR_STATUSES = ("covered", "accepted", "planned", "gap", "not_assessed")
FONT = 'font-family="Liberation Sans, DejaVu Sans, Arial, sans-serif"'
MAX_PER_LANE = 16


def _clip(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg(width: float, height: float, label: str, body: list[str]) -> SafeString:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:g}" width="{width:g}" '
            f'height="{height:g}" role="img" aria-label="{escape(label)}" class="chart">'
            f"<title>{escape(label)}</title>")
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308  # nosec B308 B703 - reviewed: every text piece above is escaped


# --- lanes diagram -------------------------------------------------------------------------

LANE_W, LANE_GAP, BOX_W, BOX_H, BOX_GAP, TOP = 196, 46, 166, 38, 10, 34


def lanes_diagram(lanes: dict[str, list[dict]], flows: list[dict]) -> SafeString:
    """``lanes``: {kind: [{id, name, note}]}; ``flows``: [{source, target, personal_data, crosses_boundary}]."""
    shown, more = {}, {}
    for kind in ComponentKind.values:
        items = lanes.get(kind, [])
        shown[kind] = items[:MAX_PER_LANE]
        more[kind] = len(items) - len(shown[kind])
    rows = max([len(v) + (1 if more[k] else 0) for k, v in shown.items()] + [1])
    width = 3 * LANE_W + 2 * LANE_GAP
    legend_y = TOP + rows * (BOX_H + BOX_GAP) + 14
    height = legend_y + 22
    body, pos = [], {}
    for i, kind in enumerate(ComponentKind.values):
        x = i * (LANE_W + LANE_GAP)
        body.append(f'<rect x="{x}" y="0" width="{LANE_W}" height="{legend_y - 6}" rx="6" fill="{LANE_FILL[kind]}" '
                    f'stroke="#d0d7de"/>')
        body.append(f'<text x="{x + LANE_W / 2:g}" y="20" text-anchor="middle" font-size="12" font-weight="bold" '
                    f'fill="#1b1f24" {FONT}>{ComponentKind(kind).lane_title}</text>')
        bx = x + (LANE_W - BOX_W) / 2
        for j, item in enumerate(shown[kind]):
            y = TOP + j * (BOX_H + BOX_GAP)
            pos[item["id"]] = (i, bx, y)
            body.append(f'<rect x="{bx:g}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="4" fill="#ffffff" '
                        f'stroke="#57606a"/>')
            body.append(f'<text x="{bx + 8:g}" y="{y + 15}" font-size="10" font-weight="bold" fill="#1b1f24" '
                        f'{FONT}>{escape(_clip(item["name"], 30))}</text>')
            if item.get("note"):
                body.append(f'<text x="{bx + 8:g}" y="{y + 29}" font-size="8" fill="#57606a" '
                            f'{FONT}>{escape(_clip(item["note"], 38))}</text>')
        if more[kind]:
            y = TOP + len(shown[kind]) * (BOX_H + BOX_GAP)
            body.append(f'<text x="{x + LANE_W / 2:g}" y="{y + 20}" text-anchor="middle" font-size="10" '
                        f'fill="#57606a" {FONT}>+ {more[kind]} more (listed below)</text>')
        if not shown[kind]:
            body.append(f'<text x="{x + LANE_W / 2:g}" y="{TOP + 20}" text-anchor="middle" font-size="10" '
                        f'font-style="italic" fill="#57606a" {FONT}>none</text>')
    for flow in flows:
        if flow["source"] not in pos or flow["target"] not in pos:
            continue
        body.append(_flow_path(pos[flow["source"]], pos[flow["target"]], flow))
    body.append(_legend(legend_y))
    kinds = ", ".join(f"{len(lanes.get(k, []))} {k.lane_title.lower()}" for k in ComponentKind)
    return _svg(width, height, f"Lanes diagram: {kinds}, {len(flows)} flows", body)


def _flow_path(src, dst, flow) -> str:
    (li, sx, sy), (lj, tx, ty) = src, dst
    y1, y2 = sy + BOX_H / 2, ty + BOX_H / 2
    if li < lj:
        x1, x2 = sx + BOX_W, tx
        d = f"M{x1:g},{y1:g} C{x1 + 30:g},{y1:g} {x2 - 30:g},{y2:g} {x2 - 6:g},{y2:g}"
        tip, direction = (x2, y2), 1
    elif li > lj:
        x1, x2 = sx, tx + BOX_W
        d = f"M{x1:g},{y1:g} C{x1 - 30:g},{y1:g} {x2 + 30:g},{y2:g} {x2 + 6:g},{y2:g}"
        tip, direction = (x2, y2), -1
    else:
        x1 = x2 = sx + BOX_W
        d = f"M{x1:g},{y1:g} C{x1 + 26:g},{y1:g} {x2 + 26:g},{y2:g} {x2 + 6:g},{y2:g}"
        tip, direction = (x2, y2), -1
    colour = "#7c3aed" if flow.get("personal_data") else "#57606a"
    dash = ' stroke-dasharray="5 3"' if flow.get("crosses_boundary") else ""
    width = "1.8" if flow.get("personal_data") else "1.2"
    x, y = tip
    head = (f'<polygon points="{x:g},{y:g} {x - 7 * direction:g},{y - 3.5:g} {x - 7 * direction:g},{y + 3.5:g}" '
            f'fill="{colour}"/>')
    return f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="{width}"{dash}/>{head}'


def _legend(y: float) -> str:
    items = [
        (f'<line x1="0" y1="{y:g}" x2="26" y2="{y:g}" stroke="#57606a" stroke-width="1.2"/>', "data flow"),
        (f'<line x1="0" y1="{y:g}" x2="26" y2="{y:g}" stroke="#7c3aed" stroke-width="1.8"/>', "carries personal data"),
        (f'<line x1="0" y1="{y:g}" x2="26" y2="{y:g}" stroke="#57606a" stroke-width="1.2" stroke-dasharray="5 3"/>',
         "crosses a trust boundary"),
    ]
    out, x = [], 0
    for line, text in items:
        out.append(f'<g transform="translate({x},0)">{line}<text x="32" y="{y + 3:g}" font-size="9" fill="#1b1f24" '
                   f'{FONT}>{text}</text></g>')
        x += 40 + len(text) * 5
    return "".join(out)


# --- heat map -----------------------------------------------------------------------------------

CELL, LEFT, BOTTOM = 34, 44, 40


def heat_map(rows: list[dict], title: str) -> SafeString:
    """``rows``: assessments.scoring.heat_map output (likelihood 5 -> 1, cells impact 1 -> 5 with band and count)."""
    width, height = LEFT + 5 * CELL + 8, 22 + 5 * CELL + BOTTOM
    body = [f'<text x="{LEFT + 2.5 * CELL:g}" y="13" text-anchor="middle" font-size="11" font-weight="bold" '
            f'fill="#1b1f24" {FONT}>{escape(title)}</text>']
    total = 0
    for r, row in enumerate(rows):
        y = 22 + r * CELL
        body.append(f'<text x="{LEFT - 8}" y="{y + CELL / 2 + 4:g}" text-anchor="end" font-size="9" fill="#57606a" '
                    f'{FONT}>{row["likelihood"]}</text>')
        for c, cell in enumerate(row["cells"]):
            x = LEFT + c * CELL
            count = cell["count"]
            total += count
            colour = BAND_COLOURS.get(cell["band"], "#9ca3af")
            opacity = "1" if count else "0.18"
            body.append(f'<rect x="{x}" y="{y}" width="{CELL - 2}" height="{CELL - 2}" rx="2" fill="{colour}" '
                        f'fill-opacity="{opacity}"/>')
            if count:
                body.append(f'<text x="{x + (CELL - 2) / 2:g}" y="{y + CELL / 2 + 3:g}" text-anchor="middle" '
                            f'font-size="11" font-weight="bold" fill="#ffffff" {FONT}>{count}</text>')
    base = 22 + 5 * CELL
    for c in range(5):
        body.append(f'<text x="{LEFT + c * CELL + (CELL - 2) / 2:g}" y="{base + 12}" text-anchor="middle" '
                    f'font-size="9" fill="#57606a" {FONT}>{c + 1}</text>')
    body.append(f'<text x="{LEFT + 2.5 * CELL:g}" y="{base + 28}" text-anchor="middle" font-size="9" '
                f'fill="#1b1f24" {FONT}>Impact</text>')
    body.append(f'<text x="10" y="{22 + 2.5 * CELL:g}" text-anchor="middle" font-size="9" fill="#1b1f24" '
                f'transform="rotate(-90 10 {22 + 2.5 * CELL:g})" {FONT}>Likelihood</text>')
    return _svg(width, height, f"{title}: {total} risks by likelihood and impact", body)


# --- coverage bars --------------------------------------------------------------------------------

def coverage_bars(functions: list[dict], title: str) -> SafeString:
    """``functions``: [{key, covered, accepted, planned, gap, not_assessed, total}] -> one stacked bar each."""
    label_w, bar_w, row_h = 96, 420, 22
    width, height = label_w + bar_w + 120, 20 + row_h * len(functions) + 24
    body = [f'<text x="0" y="12" font-size="11" font-weight="bold" fill="#1b1f24" {FONT}>{escape(title)}</text>']
    for i, fn in enumerate(functions):
        y = 22 + i * row_h
        body.append(f'<text x="0" y="{y + 12}" font-size="10" font-weight="bold" fill="#1b1f24" '
                    f'{FONT}>{escape(fn["key"])}</text>')
        x = label_w
        total = fn["total"] or 1
        for status in BAR_STATUSES:
            w = bar_w * fn[status] / total
            if w > 0:
                body.append(f'<rect x="{x:g}" y="{y}" width="{w:g}" height="{row_h - 6}" '
                            f'fill="{STATUS_COLOURS[status]}"/>')
                if w > 18:
                    body.append(f'<text x="{x + w / 2:g}" y="{y + 12}" text-anchor="middle" font-size="9" '
                                f'font-weight="bold" fill="#ffffff" {FONT}>{fn[status]}</text>')
            x += w
        body.append(f'<text x="{label_w + bar_w + 8}" y="{y + 12}" font-size="9" fill="#57606a" '
                    f'{FONT}>{fn["covered"]}/{fn["total"]} covered</text>')
    y = 22 + len(functions) * row_h + 6
    x = label_w
    for status in BAR_STATUSES:
        body.append(f'<rect x="{x}" y="{y}" width="10" height="10" fill="{STATUS_COLOURS[status]}"/>'
                    f'<text x="{x + 14}" y="{y + 9}" font-size="9" fill="#1b1f24" {FONT}>'
                    f'{status.replace("_", " ")}</text>')
        x += 84
    return _svg(width, height, title, body)
