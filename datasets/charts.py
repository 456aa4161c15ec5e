"""Charts drawn on the server as SVG (no script, no tiles, nothing inline that CSP would refuse:
colours are SVG presentation attributes). Each chart is a picture of a table that the page shows
beside it, so nothing is only in the picture."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from .areas import area_shapes

# Five classes, light to dark (ColorBrewer Blues); labels on the two darkest are white.
BANDS = ["#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"]
LABEL_COLOURS = ["#0b0c0c", "#0b0c0c", "#0b0c0c", "#ffffff", "#ffffff"]
NO_DATA = "#f3f2f1"


@dataclass(frozen=True)
class ShapeView:
    district: str
    path: str
    label_x: float
    label_y: float
    fill: str
    label_colour: str
    description: str
    suppressed: bool


def _bands(values: list[int]) -> list[int]:
    """Upper bounds of the five classes: equal steps up to the largest value."""
    top = max(values) if values else 0
    step = max(top / len(BANDS), 1)
    return [round(step * (i + 1)) for i in range(len(BANDS))]


def area_view(*, slug: str, totals: dict[str, int | None]) -> dict:
    shapes, area_name = area_shapes(slug)
    published = [value for value in totals.values() if value is not None]
    bounds = _bands(published)
    views, lower = [], 0
    legend = []
    for index, upper in enumerate(bounds):
        legend.append({"fill": BANDS[index], "label": f"{lower if index == 0 else bounds[index - 1] + 1} to {upper}"})
    for shape in shapes:
        value = totals.get(shape.district, 0) if shape.district in totals else None
        if shape.district not in totals:
            fill, colour, description, suppressed = NO_DATA, "#0b0c0c", "no records", False
        elif value is None:
            fill, colour, description, suppressed = "url(#suppressed-hatch)", "#0b0c0c", "suppressed (fewer than the threshold)", True
        else:
            band = next((i for i, upper in enumerate(bounds) if value <= upper), len(BANDS) - 1)
            fill, colour = BANDS[band], LABEL_COLOURS[band]
            description, suppressed = f"{value:,} records", False
        views.append(
            ShapeView(
                district=shape.district, path=shape.path, label_x=shape.label_x, label_y=shape.label_y,
                fill=fill, label_colour=colour, description=description, suppressed=suppressed,
            )
        )
    mapped = {shape.district for shape in shapes}
    return {
        "area_name": area_name,
        "shapes": views,
        "legend": legend,
        "unmapped": sorted(d for d in totals if d not in mapped),
        "has_geometry": bool(shapes),
    }


CHART_WIDTH = 640
CHART_HEIGHT = 280
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 40


def trend_chart(*, months: list[datetime.date], values: list[int | None]) -> dict:
    """A line of monthly counts; a suppressed month breaks the line and is marked on the axis."""
    published = [v for v in values if v is not None]
    top = max(published) if published else 0
    top = max(5, int(top * 1.1) + 1)
    plot_w = CHART_WIDTH - LEFT - RIGHT
    plot_h = CHART_HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(months) - 1, 1)

    def x(i):
        return round(LEFT + i * step, 1)

    def y(v):
        return round(TOP + plot_h - v * plot_h / top, 1)

    segments, current, points, gaps = [], [], [], []
    for i, value in enumerate(values):
        if value is None:
            if current:
                segments.append(current)
            current = []
            gaps.append({"x": x(i), "y": TOP + plot_h - 4})
            continue
        current.append(f"{x(i)},{y(value)}")
        points.append({"x": x(i), "y": y(value), "label": f"{months[i]:%b %Y}: {value:,}"})
    if current:
        segments.append(current)
    ticks = []
    every = max(1, len(months) // 8)
    for i, month in enumerate(months):
        if i % every == 0:
            ticks.append({"x": x(i), "label": f"{month:%b %y}"})
    y_ticks = [{"y": y(v), "label": f"{v:,}"} for v in sorted({0, top // 2, top})]
    return {
        "width": CHART_WIDTH, "height": CHART_HEIGHT, "left": LEFT, "right": CHART_WIDTH - RIGHT,
        "top": TOP, "bottom": TOP + plot_h, "lines": [" ".join(segment) for segment in segments],
        "points": points, "gaps": gaps, "ticks": ticks, "y_ticks": y_ticks,
        "axis_label_y": TOP + plot_h + 28,
    }
