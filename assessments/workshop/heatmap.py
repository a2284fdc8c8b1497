"""The likelihood x impact heat map as SVG geometry (inherent and residual).

Readable without colour: every cell shows its count as a number, its band as a letter and as a
fill pattern (none, dots, hatching, cross-hatching), and carries a text label; the legend says
which letter and pattern is which band. A cell with risks is a link that filters the risk list.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from ..scoring import BAND_LABELS, BANDS, IMPACT_LABELS, LEVELS, LIKELIHOOD_LABELS, heat_map

CELL, LEFT, TOP, GAP = 54, 64, 10, 3
BAND_LETTER = {"low": "L", "medium": "M", "high": "H", "critical": "C"}
BAND_PATTERN = {"low": "", "medium": "hm-dots", "high": "hm-hatch", "critical": "hm-cross"}


@dataclass
class Cell:
    likelihood: int
    impact: int
    band: str
    count: int
    x: float
    y: float

    @property
    def size(self) -> int:
        return CELL

    @property
    def cx(self) -> float:
        return self.x + CELL / 2

    @property
    def cy(self) -> float:
        return self.y + CELL / 2

    @property
    def letter(self) -> str:
        return BAND_LETTER[self.band]

    @property
    def letter_x(self) -> float:
        return self.x + CELL - 6

    @property
    def letter_y(self) -> float:
        return self.y + 14

    @property
    def pattern(self) -> str:
        return BAND_PATTERN[self.band]

    @property
    def key(self) -> str:
        return f"{self.likelihood}-{self.impact}"

    @property
    def label(self) -> str:
        n = self.count
        return (f"Likelihood {self.likelihood} ({LIKELIHOOD_LABELS[self.likelihood]}), impact {self.impact} "
                f"({IMPACT_LABELS[self.impact]}): {n} risk{'s' if n != 1 else ''}, band {BAND_LABELS[self.band]}")


@dataclass
class Axis:
    value: int
    label: str
    x: float
    y: float


@dataclass
class HeatMap:
    scope: str  # inherent | residual
    title: str
    cells: list[Cell]
    rows: list[Axis]
    cols: list[Axis]
    total: int
    width: int = LEFT + 5 * (CELL + GAP) + 8
    height: int = TOP + 5 * (CELL + GAP) + 44

    @property
    def axis_x_label_x(self) -> float:
        return LEFT + 5 * (CELL + GAP) / 2

    @property
    def axis_x_label_y(self) -> float:
        return self.height - 4

    @property
    def axis_y_label_y(self) -> float:
        return TOP + 5 * (CELL + GAP) / 2

    @property
    def summary(self) -> str:
        busy = [c for c in self.cells if c.count]
        if not busy:
            return f"{self.title}: no risks in the register yet."
        parts = "; ".join(c.label for c in sorted(busy, key=lambda c: (-c.likelihood, -c.impact)))
        return f"{self.title}: {self.total} risk{'s' if self.total != 1 else ''}. {parts}."


def build(scope: str, pairs: Iterable[tuple[int, int]], matrix=None) -> HeatMap:
    pairs = list(pairs)
    rows = heat_map(pairs, matrix)  # likelihood 5 .. 1
    cells, row_axes = [], []
    for r, row in enumerate(rows):
        y = TOP + r * (CELL + GAP)
        row_axes.append(Axis(row["likelihood"], LIKELIHOOD_LABELS[row["likelihood"]], LEFT - 8, y + CELL / 2 + 5))
        for c, cell in enumerate(row["cells"]):
            cells.append(Cell(row["likelihood"], cell["impact"], cell["band"], cell["count"],
                              LEFT + c * (CELL + GAP), y))
    col_axes = [Axis(im, IMPACT_LABELS[im], LEFT + (im - 1) * (CELL + GAP) + CELL / 2, TOP + 5 * (CELL + GAP) + 14)
                for im in LEVELS]
    title = "Inherent risk" if scope == "inherent" else "Residual risk"
    return HeatMap(scope, title, cells, row_axes, col_axes, len(pairs))


def legend() -> list[dict]:
    return [{"band": b, "label": BAND_LABELS[b], "letter": BAND_LETTER[b], "pattern": BAND_PATTERN[b]} for b in BANDS]
