"""The system diagram: three lanes (inputs, models, outputs) with the components as cards and the data
flows drawn between them. Plain Python over the component kinds: the layout (its SVG: diagram_svg.to_svg).

Two layouts are computed: `horizontal` (lanes side by side, for a projector or a laptop) and
`vertical` (lanes stacked, for a phone). Flows leave a card on one side and enter the target on the
other; several flows on one card are spread along its edge so their arrows stay apart.

Nothing is cut where it matters: a card's name wraps to two lines (sized for presentation mode's
larger font), a flow's label to two short lines placed in the gap between lanes (never on a card)
and moved apart from its neighbours; the full texts are in each element's <title> (hover) and the
cards' accessible names. A gap that a flow marked "crosses a trust boundary" runs through is drawn
as a boundary between zones.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from threatmodel.models import ComponentKind

# Geometry in SVG user units (the horizontal diagram is drawn about 1:1 on a 1280 px screen).
LANE_W, LANE_GAP, PAD, HEADER = 238, 84, 12, 46
BOX_W, BOX_H, BOX_GAP = 214, 100, 16
NAME_CHARS = 15  # what fits on one line of a card (wide bold fonts such as DejaVu Sans included)
LABEL_CHARS = 14  # per line of a flow label: the gap between two lanes holds two such lines
LABEL_LINE, LABEL_SPACING = 14, 32  # a label's line height; the least distance between two labels
V_WIDTH, V_BOX_W, V_GUTTER = 360, 284, 56
V_NAME_CHARS = 20
ZONE_HEAD, ZONE_PAD, ZONE_CHARS = 20, 6, 30  # a named trust zone: its title band, its margin, its title length


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
    lines: tuple[str, ...] = ()  # the name wrapped to at most two lines
    zone: str = ""  # the named trust zone it sits in

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
        return self.y + 25

    @property
    def stats_y(self) -> float:
        return self.y + 66

    @property
    def band_y(self) -> float:
        return self.y + 87

    @property
    def label(self) -> str:
        s = self.stats
        risk_text = f"{s.risks} open threat{'s' if s.risks != 1 else ''}"
        if s.top_band:
            risk_text += f", highest band {s.top_band}"
        zone = f" In trust zone {self.zone}." if self.zone else ""
        return (f"{ComponentKind(self.kind).label} {self.name}: {s.answered} of {s.questions} questions "
                f"answered, {risk_text}.{zone} Edit.")


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
    full_label: str = ""
    label_lines: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        text = f"{self.source} → {self.target}"
        if self.full_label or self.label:
            text += f": {self.full_label or self.label}"
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
class Boundary:
    """A trust boundary between two lanes (a flow across that gap crosses it)."""

    x: float
    y1: float
    y2: float


@dataclass
class Zone:
    """A named trust zone drawn around a run of its components in one lane (a zone whose components are
    not next to each other is drawn once per run, each with its name)."""

    name: str
    x: float
    y: float
    w: float
    h: float
    count: int

    @property
    def short(self) -> str:
        return shorten(self.name, ZONE_CHARS)

    @property
    def title(self) -> str:
        return f"Trust zone {self.name}: {self.count} component{'' if self.count == 1 else 's'}"


@dataclass
class Diagram:
    orientation: str
    width: float
    height: float
    lanes: list[LaneBand] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)
    arrows: list[Arrow] = field(default_factory=list)
    boundaries: list[Boundary] = field(default_factory=list)
    zones: list[Zone] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.boxes


def shorten(text: str, limit: int = NAME_CHARS) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def wrap(text: str, limit: int, lines: int = 2) -> tuple[str, ...]:
    """Words on at most `lines` lines of `limit` characters (a longer word is split); the last line
    ends in "…" when text is left over."""
    words = " ".join(str(text).split()).split(" ")
    out: list[str] = []
    current = ""
    while words:
        if len(out) == lines - 1:  # the last line takes the rest
            rest = " ".join([current, *words]).strip()
            out.append(rest if len(rest) <= limit else rest[: limit - 1].rstrip() + "…")
            return tuple(out)
        word = words.pop(0)
        candidate = f"{current} {word}".strip()
        if len(candidate) <= limit:
            current = candidate
        elif not current:  # one word longer than a line: split it
            out.append(word[:limit])
            words.insert(0, word[limit:])
        else:
            out.append(current)
            current = ""
            words.insert(0, word)
    if current:
        out.append(current)
    return tuple(out)


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
    zones: list[Zone] = []
    if orientation == "horizontal":
        stacks = {kind: _stack(by_lane[kind], PAD + HEADER) for kind in by_lane}
        rows = max([len(v) for v in by_lane.values()] + [1])
        lane_h = max([HEADER + rows * (BOX_H + BOX_GAP) + PAD] + [end for _ys, end in stacks.values()])
        for i, (kind, title) in enumerate((k.value, k.lane_title) for k in ComponentKind):
            x = PAD + i * (LANE_W + LANE_GAP)
            lanes.append(LaneBand(kind, title, x, PAD, LANE_W, lane_h, len(by_lane[kind])))
            for c, y in zip(by_lane[kind], stacks[kind][0], strict=True):
                boxes[c.id] = Box(c.id, kind, c.name, shorten(c.name), x + (LANE_W - BOX_W) / 2,
                                  y, BOX_W, BOX_H, stats.get(c.id, CardStats()), zone=_zone_of(c))
            zones += _zones(by_lane[kind], boxes)
        width, height = 2 * PAD + 3 * LANE_W + 2 * LANE_GAP, 2 * PAD + lane_h
        route = _horizontal_path
    else:
        y = PAD
        lane_w = V_WIDTH - 2 * PAD
        for kind, title in ((k.value, k.lane_title) for k in ComponentKind):
            n = len(by_lane[kind])
            ys, end = _stack(by_lane[kind], y + HEADER)
            h = max(HEADER + max(n, 1) * (BOX_H + BOX_GAP) + PAD - (BOX_GAP if n else 0), end - y + PAD - BOX_GAP)
            lanes.append(LaneBand(kind, title, PAD, y, lane_w, h, n))
            for c, top in zip(by_lane[kind], ys, strict=True):
                boxes[c.id] = Box(c.id, kind, c.name, shorten(c.name, V_NAME_CHARS), PAD + 10,
                                  top, V_BOX_W, BOX_H, stats.get(c.id, CardStats()), zone=_zone_of(c))
            zones += _zones(by_lane[kind], boxes)
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
        if orientation == "horizontal" and abs(t.x - s.x) > LANE_W + LANE_GAP:  # across two gaps: label by the target
            lx = t.x - (LANE_GAP + LANE_W - BOX_W) / 2 if t.x > s.x else t.x + t.w + (LANE_GAP + LANE_W - BOX_W) / 2
            ly = t.cy + to - 6
        answers = getattr(f, "answers", None) or {}
        full = " ".join(str(getattr(f, "label", "") or "").split())
        arrows.append(Arrow(f.id, d, s.name, t.name, shorten(full, LABEL_CHARS), lx, ly,
                            answers.get("crosses_trust_boundary") is True, full, wrap(full, LABEL_CHARS)))
    for b in boxes.values():
        b.lines = wrap(b.name, NAME_CHARS if orientation == "horizontal" else V_NAME_CHARS)
    if orientation == "horizontal":
        _spread_labels(arrows, height)
    boundaries = _boundaries(arrows, boxes, flows, lanes) if orientation == "horizontal" else []
    return Diagram(orientation, width, height, lanes, list(boxes.values()), arrows, boundaries, zones)


def _zone_of(c) -> str:
    return getattr(c, "trust_zone", "") or ""


def _stack(lane: list, top: float) -> tuple[list[float], float]:
    """The top of each card of a lane, leaving room for a zone's title above the first card of each run of
    one zone; and where the lane's cards end (the next card would start there)."""
    ys, y, previous = [], top, ""
    for c in lane:
        zone = _zone_of(c)
        if zone and zone != previous:
            y += ZONE_HEAD
        ys.append(y)
        y += BOX_H + BOX_GAP
        previous = zone
    return ys, y


def _zones(lane: list, boxes: dict) -> list[Zone]:
    """One rectangle per run of consecutive cards of a lane in the same named zone."""
    out = []
    for i, c in enumerate(lane):
        zone = _zone_of(c)
        if not zone or (i and _zone_of(lane[i - 1]) == zone):
            continue
        run = [c]
        while i + len(run) < len(lane) and _zone_of(lane[i + len(run)]) == zone:
            run.append(lane[i + len(run)])
        first, last = boxes[run[0].id], boxes[run[-1].id]
        top = first.y - ZONE_HEAD
        out.append(Zone(zone, first.x - ZONE_PAD, top, first.w + 2 * ZONE_PAD, last.y + last.h + ZONE_PAD - top,
                        len(run)))
    return out


def _spread_labels(arrows: list[Arrow], height: float) -> None:
    """Labels in the same gap are moved apart (top to bottom) so that no two overlap."""
    by_column: dict[float, list[Arrow]] = {}
    for a in arrows:
        if a.label:
            by_column.setdefault(round(a.label_x), []).append(a)
    for column in by_column.values():
        column.sort(key=lambda a: (a.label_y, a.id))
        floor = PAD + HEADER / 2
        for a in column:
            a.label_y = max(a.label_y, floor)
            floor = a.label_y + LABEL_SPACING
        overflow = column[-1].label_y + LABEL_LINE - (height - PAD)
        if overflow > 0:  # pushed past the bottom: shift the column up, keeping the spacing
            for a in column:
                a.label_y -= overflow


def _boundaries(arrows, boxes, flows, lanes) -> list[Boundary]:
    """One boundary per gap between adjacent lanes that a trust-boundary flow runs across."""
    lane_of = {kind: i for i, kind in enumerate(ComponentKind.values)}
    crossing = {a.id for a in arrows if a.crosses_boundary}
    gaps = set()
    for f in flows:
        if f.id in crossing:
            i, j = sorted((lane_of.get(boxes[f.source_id].kind, 0), lane_of.get(boxes[f.target_id].kind, 0)))
            gaps.update(range(i, j))
    top = min((lane.y for lane in lanes), default=PAD)
    bottom = max((lane.y + lane.h for lane in lanes), default=PAD)
    return [Boundary(PAD + (g + 1) * LANE_W + g * LANE_GAP + LANE_GAP / 2, top, bottom) for g in sorted(gaps)]

