"""How the monitoring report's figures are shown: the small-count rule and the charts.

Small counts (SSP 16; ICO anonymisation code): a count of 1 to 4 could point at a person, so it is
shown as "fewer than 5" to anyone outside the organisations the figure is about; a share or a
duration computed from fewer than 5 cases is withheld the same way. A figure about the whole
partnership is about no single organisation, so its small counts are withheld from everyone.

Charts are drawn on the server as SVG: no script, no CDN, no style attribute (colours are SVG
presentation attributes, which the CSP does not govern), each with an accessible name
(`role="img"`, `<title>` and `<desc>`), and each beside a table of the same numbers.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from portal.reports import Cell, ReportRow, ReportTable

SMALL = 5
FEWER_THAN_5 = "fewer than 5"
# GOV.UK colours with at least 3:1 contrast against white (WCAG 1.4.11).
SERIES_COLOURS = ("#1d70b8", "#00703c", "#d4351c", "#4c2c92")


def cell_hidden(cell: Cell, *, exact: bool) -> bool:
    if exact:
        return False
    if cell.kind == "count":
        return cell.value is not None and 0 < cell.value < SMALL
    return cell.base is not None and 0 < cell.base < SMALL


def cell_text(cell: Cell, *, exact: bool) -> str:
    if cell_hidden(cell, exact=exact):
        return FEWER_THAN_5 if cell.kind == "count" else f"not shown ({FEWER_THAN_5} cases)"
    if cell.value is None:
        return "–"
    if cell.kind == "percent":
        return f"{cell.value:.1f}%"
    if cell.kind == "days":
        return f"{cell.value:.1f}"
    return f"{cell.value:,}"


def row_exact(row: ReportRow, viewer_organisation_id: int | None) -> bool:
    return bool(row.organisation_ids) and viewer_organisation_id in row.organisation_ids


@dataclass
class ShownRow:
    label: str
    texts: list[str]
    values: list[float | None]  # None where hidden or empty: the chart draws no bar


@dataclass
class ShownTable:
    table: ReportTable
    rows: list[ShownRow]
    chart: SafeString | None = None

    @property
    def key(self) -> str:
        return self.table.key


def shown_table(table: ReportTable, *, viewer_organisation_id: int | None) -> ShownTable:
    rows = []
    for row in table.rows:
        exact = row_exact(row, viewer_organisation_id)
        rows.append(
            ShownRow(
                label=row.label,
                texts=[cell_text(cell, exact=exact) for cell in row.cells],
                values=[None if cell_hidden(cell, exact=exact) else cell.value for cell in row.cells],
            )
        )
    shown = ShownTable(table=table, rows=rows)
    if table.chart == "trend":
        shown.chart = trend_chart(shown)
    elif table.chart == "comparison":
        shown.chart = comparison_chart(shown)
    return shown


def _nice_max(value: float) -> int:
    for step in (5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000, 100000):
        if value <= step:
            return step
    return int(value) + 1


def _svg_open(*, ident: str, width: int, height: int, title: str, desc: str) -> SafeString:
    return format_html(
        '<svg class="portal-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" '
        'role="img" aria-labelledby="{i}-title {i}-desc" focusable="false">'
        '<title id="{i}-title">{t}</title><desc id="{i}-desc">{d}</desc>',
        w=width,
        h=height,
        i=ident,
        t=title,
        d=desc,
    )


def _legend(names: list[str], *, x: int, y: int) -> SafeString:
    items = []
    for n, name in enumerate(names):
        items.append(
            format_html(
                '<rect x="{x}" y="{y}" width="12" height="12" fill="{c}"></rect>'
                '<text x="{tx}" y="{ty}" font-size="13" fill="#0b0c0c">{name}</text>',
                x=x + n * 170,
                y=y,
                c=SERIES_COLOURS[n % len(SERIES_COLOURS)],
                tx=x + n * 170 + 18,
                ty=y + 11,
                name=name,
            )
        )
    return mark_safe("".join(items))


def trend_chart(shown: ShownTable) -> SafeString:
    """Grouped vertical bars, one group per month, one bar per series."""
    table = shown.table
    series = table.chart_columns
    names = [table.columns[i] for i in series]
    months = shown.rows
    left, top, plot_h, bottom = 48, 36, 200, 40
    group_w = max(28, min(72, 640 // max(1, len(months))))
    bar_w = max(6, (group_w - 8) // max(1, len(series)))
    width = left + group_w * max(1, len(months)) + 16
    height = top + plot_h + bottom
    peak = _nice_max(max([v or 0 for row in months for i in series for v in [row.values[i]]] or [0]) or 1)
    parts = [
        _svg_open(
            ident=f"chart-{table.key}",
            width=width,
            height=height,
            title=table.title,
            desc=f"Bar chart by month of {', '.join(names).lower()}; the table that follows has the same numbers.",
        ),
        _legend(names, x=left, y=8),
    ]
    for tick in range(0, 5):
        value = peak * tick // 4
        y = top + plot_h - plot_h * tick // 4
        parts.append(
            format_html(
                '<line x1="{l}" y1="{y}" x2="{r}" y2="{y}" stroke="#b1b4b6" stroke-width="1"></line>'
                '<text x="{tx}" y="{ty}" font-size="12" text-anchor="end" fill="#505a5f">{v}</text>',
                l=left,
                r=width - 8,
                y=y,
                tx=left - 6,
                ty=y + 4,
                v=f"{value:,}",
            )
        )
    for m, row in enumerate(months):
        gx = left + m * group_w + 4
        for s, column in enumerate(series):
            value = row.values[column]
            if value:
                h = max(1, round(plot_h * value / peak))
                parts.append(
                    format_html(
                        '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{c}"><title>{label}: {name} {text}</title></rect>',
                        x=gx + s * bar_w,
                        y=top + plot_h - h,
                        w=bar_w - 1,
                        h=h,
                        c=SERIES_COLOURS[s % len(SERIES_COLOURS)],
                        label=row.label,
                        name=names[s],
                        text=row.texts[column],
                    )
                )
        parts.append(
            format_html(
                '<text x="{x}" y="{y}" font-size="11" text-anchor="middle" fill="#0b0c0c">{label}</text>',
                x=gx + (group_w - 8) // 2,
                y=top + plot_h + 16,
                label=row.label.split(" ")[0],
            )
        )
        if row.label.startswith("Jan") or m == 0:
            parts.append(
                format_html(
                    '<text x="{x}" y="{y}" font-size="11" text-anchor="middle" fill="#505a5f">{year}</text>',
                    x=gx + (group_w - 8) // 2,
                    y=top + plot_h + 30,
                    year=row.label.split(" ")[-1],
                )
            )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))


def comparison_chart(shown: ShownTable) -> SafeString:
    """Grouped horizontal bars, one group per organisation; a withheld figure is written, not drawn."""
    table = shown.table
    series = table.chart_columns
    names = [table.columns[i] for i in series]
    label_w, left_pad, plot_w, bar_h = 230, 8, 380, 12
    group_h = bar_h * len(series) + 14
    top = 36
    width = label_w + left_pad + plot_w + 110
    height = top + group_h * max(1, len(shown.rows)) + 8
    peak = _nice_max(max([row.values[i] or 0 for row in shown.rows for i in series] or [0]) or 1)
    parts = [
        _svg_open(
            ident=f"chart-{table.key}",
            width=width,
            height=height,
            title=table.title,
            desc=f"Bar chart comparing organisations: {', '.join(names).lower()}; the table that follows has the same numbers.",
        ),
        _legend(names, x=label_w + left_pad, y=8),
    ]
    for r, row in enumerate(shown.rows):
        gy = top + r * group_h
        parts.append(
            format_html(
                '<text x="{x}" y="{y}" font-size="12" text-anchor="end" fill="#0b0c0c">{label}</text>',
                x=label_w,
                y=gy + group_h // 2,
                label=row.label if len(row.label) <= 34 else row.label[:33] + "…",
            )
        )
        for s, column in enumerate(series):
            value = row.values[column]
            y = gy + s * bar_h
            w = round(plot_w * (value or 0) / peak)
            if value:
                parts.append(
                    format_html(
                        '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{c}"></rect>',
                        x=label_w + left_pad,
                        y=y,
                        w=max(1, w),
                        h=bar_h - 2,
                        c=SERIES_COLOURS[s % len(SERIES_COLOURS)],
                    )
                )
            parts.append(
                format_html(
                    '<text x="{x}" y="{y}" font-size="10" fill="#0b0c0c">{text}</text>',
                    x=label_w + left_pad + w + 4,
                    y=y + bar_h - 3,
                    text=row.texts[column],
                )
            )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))


def filter_summary_items(items: list[tuple[str, str]]) -> SafeString:
    return format_html_join("", "<dt>{}</dt><dd>{}</dd>", items)
