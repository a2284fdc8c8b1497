"""The system diagram: three lanes (inputs, models, outputs) with the components as cards and the data
flows drawn between them. Plain Python over the component kinds: the layout, and its SVG (`to_svg`).

Two layouts are computed: `horizontal` (lanes side by side, for a projector or a laptop) and
`vertical` (lanes stacked, for a phone). Flows leave a card on one side and enter the target on the
other; several flows on one card are spread along its edge so their arrows stay apart.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html import escape

from threatmodel.models import ComponentKind

# Geometry in SVG user units (the horizontal diagram is drawn about 1:1 on a 1280 px screen).
LANE_W, LANE_GAP, PAD, HEADER = 238, 84, 12, 46
BOX_W, BOX_H, BOX_GAP = 214, 84, 16
NAME_CHARS = 21  # what fits on one line of a card at the card's font size
LABEL_CHARS = 16
V_WIDTH, V_BOX_W, V_GUTTER = 360, 284, 56
V_NAME_CHARS = 27


@dataclass
class CardStats:
    answered: int = 0
    questions: int = 0
    risks: int = 0  # active risks on the component (suggested, open, mitigating)
    top_band: str | None = None


@dataclass
class Box:
    id: int
    kind: str
    name: str
    short: str
    x: float
    y: float
    w: float
    h: float
    stats: CardStats
    url: str = ""  # the card's editor (set by the caller: the layout knows no routes)

    @property
    def stats_text(self) -> str:
        s = self.stats
        return f"{s.answered}/{s.questions} answered · {s.risks} threat{'' if s.risks == 1 else 's'}"

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    @property
    def text_x(self) -> float:
        return self.x + 14

    @property
    def name_y(self) -> float:
        return self.y + 27

    @property
    def stats_y(self) -> float:
        return self.y + 50

    @property
    def band_y(self) -> float:
        return self.y + 71

    @property
    def label(self) -> str:
        s = self.stats
        risk_text = f"{s.risks} open threat{'s' if s.risks != 1 else ''}"
        if s.top_band:
            risk_text += f", highest band {s.top_band}"
        return (f"{ComponentKind(self.kind).label} {self.name}: {s.answered} of {s.questions} questions "
                f"answered, {risk_text}. Edit.")


@dataclass
class Arrow:
    id: int
    path: str
    source: str
    target: str
    label: str
    label_x: float
    label_y: float
    crosses_boundary: bool

    @property
    def title(self) -> str:
        text = f"{self.source} → {self.target}"
        if self.label:
            text += f": {self.label}"
        return text + (" (crosses a trust boundary)" if self.crosses_boundary else "")


@dataclass
class LaneBand:
    kind: str
    title: str
    x: float
    y: float
    w: float
    h: float
    count: int

    @property
    def title_x(self) -> float:
        return self.x + 14

    @property
    def title_y(self) -> float:
        return self.y + 30


@dataclass
class Diagram:
    orientation: str
    width: float
    height: float
    lanes: list[LaneBand] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)
    arrows: list[Arrow] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.boxes


def shorten(text: str, limit: int = NAME_CHARS) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _fmt(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _spread(n: int, index: int, h: float) -> float:
    """Offset of attachment point `index` of `n` along an edge of height h (centred, evenly spaced)."""
    if n <= 1:
        return 0.0
    step = min(14.0, (h - 20) / (n - 1))
    return (index - (n - 1) / 2) * step


def _ports(flows, boxes: Mapping[int, Box]):
    """For each flow, the offset of its start on the source and of its end on the target."""
    out_count: dict[int, int] = {}
    in_count: dict[int, int] = {}
    for f in flows:
        out_count[f.source_id] = out_count.get(f.source_id, 0) + 1
        in_count[f.target_id] = in_count.get(f.target_id, 0) + 1
    out_seen: dict[int, int] = {}
    in_seen: dict[int, int] = {}
    ports = {}
    for f in sorted(flows, key=lambda f: (boxes[f.target_id].y, boxes[f.source_id].y, f.id)):
        o = out_seen.get(f.source_id, 0)
        i = in_seen.get(f.target_id, 0)
        out_seen[f.source_id], in_seen[f.target_id] = o + 1, i + 1
        ports[f.id] = (_spread(out_count[f.source_id], o, BOX_H), _spread(in_count[f.target_id], i, BOX_H))
    return ports


def _horizontal_path(s: Box, t: Box, so: float, to: float) -> tuple[str, float, float]:
    sy, ty = s.cy + so, t.cy + to
    if t.x > s.x:  # forwards: right edge -> left edge
        x1, x2 = s.x + s.w, t.x
        k = max(40.0, (x2 - x1) / 2)
        d = f"M{_fmt(x1)},{_fmt(sy)} C{_fmt(x1 + k)},{_fmt(sy)} {_fmt(x2 - k)},{_fmt(ty)} {_fmt(x2 - 8)},{_fmt(ty)}"
        return d, (x1 + x2) / 2, (sy + ty) / 2 - 6
    if t.x < s.x:  # backwards (a feedback loop): left edge -> right edge
        x1, x2 = s.x, t.x + t.w
        k = max(40.0, (x1 - x2) / 2)
        d = f"M{_fmt(x1)},{_fmt(sy)} C{_fmt(x1 - k)},{_fmt(sy)} {_fmt(x2 + k)},{_fmt(ty)} {_fmt(x2 + 8)},{_fmt(ty)}"
        return d, (x1 + x2) / 2, (sy + ty) / 2 - 6
    # same lane: loop out of the right edge and back in
    x = s.x + s.w
    k = 34 + min(30.0, abs(ty - sy) / 6)
    d = f"M{_fmt(x)},{_fmt(sy)} C{_fmt(x + k)},{_fmt(sy)} {_fmt(x + k)},{_fmt(ty)} {_fmt(x + 8)},{_fmt(ty)}"
    return d, x + k * 0.75, (sy + ty) / 2


def _vertical_path(s: Box, t: Box, so: float, to: float) -> tuple[str, float, float]:
    # Every arrow runs through the gutter on the right of the cards.
    x = s.x + s.w
    sy, ty = s.cy + so, t.cy + to
    k = min(V_GUTTER - 6, 16 + abs(ty - sy) / 10)
    d = f"M{_fmt(x)},{_fmt(sy)} C{_fmt(x + k)},{_fmt(sy)} {_fmt(x + k)},{_fmt(ty)} {_fmt(x + 8)},{_fmt(ty)}"
    return d, x + k * 0.75, (sy + ty) / 2


def layout(components: Iterable, flows: Iterable, stats: Mapping[int, CardStats] | None = None, *,
           orientation: str = "horizontal") -> Diagram:
    """Place `components` (id, kind, name) in their lanes and route `flows` (id, source_id, target_id,
    label, answers) between them."""
    stats = stats or {}
    by_lane: dict[str, list] = {kind: [] for kind in ComponentKind.values}
    for c in components:
        by_lane.setdefault(c.kind, []).append(c)
    boxes: dict[int, Box] = {}
    lanes: list[LaneBand] = []
    if orientation == "horizontal":
        rows = max([len(v) for v in by_lane.values()] + [1])
        lane_h = HEADER + rows * (BOX_H + BOX_GAP) + PAD
        for i, (kind, title) in enumerate((k.value, k.lane_title) for k in ComponentKind):
            x = PAD + i * (LANE_W + LANE_GAP)
            lanes.append(LaneBand(kind, title, x, PAD, LANE_W, lane_h, len(by_lane[kind])))
            for j, c in enumerate(by_lane[kind]):
                boxes[c.id] = Box(c.id, kind, c.name, shorten(c.name), x + (LANE_W - BOX_W) / 2,
                                  PAD + HEADER + j * (BOX_H + BOX_GAP), BOX_W, BOX_H, stats.get(c.id, CardStats()))
        width, height = 2 * PAD + 3 * LANE_W + 2 * LANE_GAP, 2 * PAD + lane_h
        route = _horizontal_path
    else:
        y = PAD
        lane_w = V_WIDTH - 2 * PAD
        for kind, title in ((k.value, k.lane_title) for k in ComponentKind):
            n = len(by_lane[kind])
            h = HEADER + max(n, 1) * (BOX_H + BOX_GAP) + PAD - (BOX_GAP if n else 0)
            lanes.append(LaneBand(kind, title, PAD, y, lane_w, h, n))
            for j, c in enumerate(by_lane[kind]):
                boxes[c.id] = Box(c.id, kind, c.name, shorten(c.name, V_NAME_CHARS), PAD + 10,
                                  y + HEADER + j * (BOX_H + BOX_GAP), V_BOX_W, BOX_H, stats.get(c.id, CardStats()))
            y += h + 14
        width, height = V_WIDTH, y - 14 + PAD
        route = _vertical_path
    flows = [f for f in flows if f.source_id in boxes and f.target_id in boxes and f.source_id != f.target_id]
    ports = _ports(flows, boxes)
    arrows = []
    for f in flows:
        s, t = boxes[f.source_id], boxes[f.target_id]
        so, to = ports[f.id]
        d, lx, ly = route(s, t, so, to)
        answers = getattr(f, "answers", None) or {}
        arrows.append(Arrow(f.id, d, s.name, t.name, shorten(getattr(f, "label", "") or "", LABEL_CHARS), lx, ly,
                            answers.get("crosses_trust_boundary") is True))
    return Diagram(orientation, width, height, lanes, list(boxes.values()), arrows)


# --- SVG ----------------------------------------------------------------------------------------
# Built here rather than in a template: a 60-component system draws a few hundred elements twice
# (both orientations), which the template engine takes ~30 ms for and this takes ~2 ms. Every text is
# escaped; there is no inline style or script (classes only, styled by static/css/workshop.css).

def _e(value) -> str:
    return escape(str(value), quote=True)


def to_svg(d: Diagram, suffix: str, system_name: str) -> str:
    """The diagram as an SVG element (a string of escaped markup)."""
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
    out.append('<g class="flows">')
    for a in d.arrows:
        css = "flow flow-boundary" if a.crosses_boundary else "flow"
        out.append(f'<path class="{css}" d="{a.path}" marker-end="url(#arrow-{suffix})"><title>{_e(a.title)}</title>'
                   f'</path>')
        if a.label and d.orientation == "horizontal":
            out.append(f'<text class="flow-label" x="{_fmt(a.label_x)}" y="{_fmt(a.label_y)}" text-anchor="middle">'
                       f'{_e(a.label)}</text>')
    out.append("</g>")
    for b in d.boxes:
        top = b.stats.top_band
        band = (f'Highest: <tspan class="card-band-{top}">{top.upper()}</tspan>' if top else "No open threat")
        x = _fmt(b.text_x)
        out.append(
            f'<a class="card-link" href="{_e(b.url)}" hx-get="{_e(b.url)}" hx-target="#editor" '
            f'data-component="{b.id}" aria-label="{_e(b.label)}">'
            f'<rect class="card card-{b.kind}" x="{_fmt(b.x)}" y="{_fmt(b.y)}" width="{_fmt(b.w)}" '
            f'height="{_fmt(b.h)}" rx="8"/>'
            f'<text class="card-name" x="{x}" y="{_fmt(b.name_y)}">{_e(b.short)}</text>'
            f'<text class="card-stats" x="{x}" y="{_fmt(b.stats_y)}">{_e(b.stats_text)}</text>'
            f'<text class="card-band" x="{x}" y="{_fmt(b.band_y)}">{band}</text></a>')
    out.append("</svg>")
    return "".join(out)
