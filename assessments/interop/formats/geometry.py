"""Plane geometry for diagram trust boundaries: does a flow's line cross a boundary curve, is a point in a box."""

Point = tuple[float, float]


def _orientation(a: Point, b: Point, c: Point) -> float:
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


def segments_cross(p1: Point, p2: Point, q1: Point, q2: Point) -> bool:
    """True when the segments p1-p2 and q1-q2 properly intersect (touching at an end does not count)."""
    d1, d2 = _orientation(q1, q2, p1), _orientation(q1, q2, p2)
    d3, d4 = _orientation(p1, p2, q1), _orientation(p1, p2, q2)
    return ((d1 > 0 > d2) or (d1 < 0 < d2)) and ((d3 > 0 > d4) or (d3 < 0 < d4))


def crosses_polyline(start: Point, end: Point, polyline: list[Point]) -> bool:
    return any(segments_cross(start, end, a, b) for a, b in zip(polyline, polyline[1:], strict=False))


def inside(point: Point, box: tuple[float, float, float, float]) -> bool:
    x, y, width, height = box
    return x <= point[0] <= x + width and y <= point[1] <= y + height
