"""Ruling edges from painted paths, read the way pdfminer reads a path (a line, a rectangle or a curve).

Both engines describe each painted subpath by its kind and its points (after the page's rotation, PDF
points from the page's bottom-left corner) and get the same edges back from here.
"""

from __future__ import annotations

from budgetml.records import Edge

# A path segment thinner than this (PDF points) is a ruling line, not a filled box.
RULE_MAX_THICKNESS_PT = 2.0
# Two points closer than this on one axis (PDF points) draw an axis-aligned segment of a general path.
AXIS_ALIGNED_PT = 0.5

Point = tuple[float, float]


def subpath_to_edges(kind: str, points: list[Point], page_height: float) -> list[Edge]:
    """Axis-aligned ruling edges drawn by a line, a thin rectangle, the sides of a box or a polyline.

    `kind` is "line", "rect" or "curve" (pdfminer's LTLine, LTRect and LTCurve); edges come back in
    top-down page coordinates.
    """
    xs, ys = [x for x, _ in points], [y for _, y in points]
    left, bottom, right, top = min(xs), page_height - max(ys), max(xs), page_height - min(ys)
    if kind in ("line", "rect") and (right - left <= RULE_MAX_THICKNESS_PT or top - bottom <= RULE_MAX_THICKNESS_PT):
        return [Edge(left, bottom, right, top)]
    if kind == "rect":
        return [
            Edge(left, bottom, right, bottom),
            Edge(left, top, right, top),
            Edge(left, bottom, left, top),
            Edge(right, bottom, right, top),
        ]
    # A general path: keep its axis-aligned straight segments (tables drawn as one polyline).
    found = []
    flipped = [(x, page_height - y) for x, y in points]
    for (ax, ay), (bx, by) in zip(flipped, flipped[1:]):
        if abs(ax - bx) < AXIS_ALIGNED_PT or abs(ay - by) < AXIS_ALIGNED_PT:
            found.append(Edge(min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)))
    return found
