"""Area geometry for the hotspot view, generated here rather than fetched (no map tiles, nothing
from the internet): each partnership's outward postcode districts are given a representative
point (approximate British National Grid kilometres), and each district's shape is its Voronoi
cell within the partnership's outline — every place nearer that district's point than any
other's. The shapes are schematic, not boundaries: they place districts where people expect
them, and the table beside the view holds the numbers.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

# (easting km, northing km) of a representative point in each district.
AREAS: dict[str, dict] = {
    "safe-durham": {
        "name": "County Durham",
        "outline": [(385, 512), (412, 506), (436, 516), (452, 532), (449, 551), (431, 561), (404, 559), (384, 546)],
        "points": {
            "DH1": (427, 542), "DH2": (423, 553), "DH3": (428, 555), "DH4": (433, 550), "DH5": (436, 546),
            "DH6": (435, 539), "DH7": (419, 544), "DH8": (409, 550), "DH9": (418, 552), "DL4": (422, 525),
            "DL5": (428, 522), "DL12": (402, 518), "DL13": (395, 537), "DL14": (419, 530), "DL15": (414, 536),
            "DL16": (426, 533), "DL17": (431, 531), "SR7": (441, 550), "SR8": (443, 541), "TS21": (435, 526),
            "TS27": (448, 536), "TS28": (440, 537), "TS29": (437, 533),
        },
    },
    "safer-stockport": {
        "name": "Stockport",
        "outline": [(381, 383), (388, 380), (397, 381), (401, 386), (399, 393), (392, 396), (384, 394), (380, 389)],
        "points": {
            "SK1": (390, 390), "SK2": (392, 388), "SK3": (388, 388), "SK4": (386, 391), "SK5": (391, 393),
            "SK6": (396, 391), "SK7": (391, 384), "SK8": (384, 386), "SK12": (396, 383),
        },
    },
}

VIEW_WIDTH = 600
VIEW_HEIGHT = 480
MARGIN = 10


@dataclass(frozen=True)
class AreaShape:
    district: str
    path: str  # SVG path data in the view's coordinates
    label_x: float
    label_y: float


def _clip(polygon: list[tuple[float, float]], site, other) -> list[tuple[float, float]]:
    """The part of `polygon` nearer `site` than `other` (one half-plane, Sutherland-Hodgman)."""
    (sx, sy), (ox, oy) = site, other
    nx, ny = ox - sx, oy - sy
    c = (ox * ox + oy * oy - sx * sx - sy * sy) / 2

    def inside(p):
        return p[0] * nx + p[1] * ny <= c

    out = []
    for i, current in enumerate(polygon):
        previous = polygon[i - 1]
        if inside(current):
            if not inside(previous):
                out.append(_cross(previous, current, nx, ny, c))
            out.append(current)
        elif inside(previous):
            out.append(_cross(previous, current, nx, ny, c))
    return out


def _cross(a, b, nx, ny, c):
    da = a[0] * nx + a[1] * ny - c
    db = b[0] * nx + b[1] * ny - c
    t = da / (da - db)
    return (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))


def _centroid(polygon):
    xs = [p[0] for p in polygon]
    ys = [p[1] for p in polygon]
    return sum(xs) / len(xs), sum(ys) / len(ys)


@lru_cache(maxsize=8)
def area_shapes(slug: str) -> tuple[tuple[AreaShape, ...], str]:
    """The district shapes of a partnership (empty when it has no geometry), and its area name."""
    area = AREAS.get(slug)
    if area is None:
        return (), ""
    outline = area["outline"]
    xs = [p[0] for p in outline]
    ys = [p[1] for p in outline]
    span = max((max(xs) - min(xs)) / (VIEW_WIDTH - 2 * MARGIN), (max(ys) - min(ys)) / (VIEW_HEIGHT - 2 * MARGIN))

    def view(p):
        return (MARGIN + (p[0] - min(xs)) / span, VIEW_HEIGHT - MARGIN - (p[1] - min(ys)) / span)

    shapes = []
    for district, site in sorted(area["points"].items()):
        cell = list(outline)
        for other_district, other in area["points"].items():
            if other_district != district and cell:
                cell = _clip(cell, site, other)
        if len(cell) < 3:
            continue
        points = [view(p) for p in cell]
        path = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in points) + " Z"
        label_x, label_y = view(_centroid(cell))
        shapes.append(AreaShape(district=district, path=path, label_x=round(label_x, 1), label_y=round(label_y, 1)))
    return tuple(shapes), area["name"]
