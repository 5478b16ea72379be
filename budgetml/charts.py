"""Inline SVG charts for the report: a feature's distribution with flagged filings marked, a department's figures over the years.

Plain SVG strings built here (no plotting library, no script, no network): the report stays one
self-contained file. Every text that came from a PDF goes through markupsafe.escape.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Colours: the report's palette (grey mass, red flags, one colour per series).
MASS = "#9aa5b1"
FLAG = "#c62828"
SERIES = ("#1f5fa8", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f")


@dataclass(frozen=True)
class Marker:
    """A value to mark on a distribution, with its label."""

    value: float
    label: str  # tooltip: department, year, value


def _ticks(low: float, high: float, n: int = 5) -> tuple[list[float], int]:
    """About n round tick values covering [low, high], and the decimals that print them distinctly."""
    if high <= low:
        return [low], 2
    raw = (high - low) / max(n - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.ceil(low / step) * step
    ticks, value = [], start
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    decimals = max(0, -math.floor(math.log10(step)) + (1 if step / magnitude == 2.5 else 0))
    return ticks, decimals


def _tick_text(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def _fmt(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.0f}"
    if abs(value) >= 1:
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{value:.2f}"


def axis_range(values: Sequence[float]) -> tuple[float, float]:
    """The axis of a distribution: the values' range, cut at 3 IQRs beyond the quartiles so one absurd value
    (a ×10000 unit slip) does not squash everyone else into one bar."""
    ordered = sorted(values)
    q1, q3 = ordered[len(ordered) // 4], ordered[(3 * len(ordered)) // 4]
    spread = q3 - q1
    low, high = ordered[0], ordered[-1]
    if spread > 0:
        low, high = max(low, q1 - 3 * spread), min(high, q3 + 3 * spread)
    if high <= low:
        low, high = low - 1, high + 1
    return low, high


def distribution_svg(
    title: str,
    values: Sequence[float],
    markers: Sequence[Marker],
    unit: str = "",
    median: float | None = None,
    width: int = 380,
    height: int = 170,
) -> Markup:
    """A histogram of `values` (grey) with each marker as a red triangle below the axis, its tooltip naming it.

    Values beyond the axis (see axis_range) are counted in the edge bars and their markers drawn hollow.
    """
    finite = [v for v in values if v is not None and math.isfinite(v)]
    points = [m for m in markers if math.isfinite(m.value)]
    left, right, top, axis_y = 40, 12, 26, height - 46
    body = [f'<text x="{left}" y="16" class="chart-title">{escape(title)}</text>']
    if not finite:
        body.append(f'<text x="{left}" y="{top + 30}" class="chart-note">无数据</text>')
        return _svg(width, height, title, body)
    low, high = axis_range(finite)
    n_bins = max(10, min(40, int(math.sqrt(len(finite)) * 2)))
    bin_width = (high - low) / n_bins
    counts = [0] * n_bins
    for v in finite:
        counts[max(0, min(int((v - low) / bin_width), n_bins - 1))] += 1  # beyond the axis: counted at its edge
    plot_w = width - left - right
    x = lambda v: left + (min(max(v, low), high) - low) / (high - low) * plot_w  # noqa: E731
    beyond = [sum(1 for v in finite if v < low), sum(1 for v in finite if v > high)]
    if beyond[0]:
        body.append(f'<text x="{left}" y="{top + 8}" class="tick">‹ {beyond[0]} 个更小</text>')
    if beyond[1]:
        body.append(
            f'<text x="{width - right}" y="{top + 8}" class="tick" text-anchor="end">{beyond[1]} 个更大 ›</text>'
        )
    tallest = max(counts)
    for k, count in enumerate(counts):
        if not count:
            continue
        bar_h = (axis_y - top) * count / tallest
        body.append(
            f'<rect x="{x(low + k * bin_width):.1f}" y="{axis_y - bar_h:.1f}" width="{max(plot_w / n_bins - 1, 1):.1f}" height="{bar_h:.1f}" fill="{MASS}">'
            f"<title>{_fmt(low + k * bin_width)}–{_fmt(low + (k + 1) * bin_width)}{escape(unit)}：{count} 个文件</title></rect>"
        )
    body.append(f'<line x1="{left}" y1="{axis_y}" x2="{width - right}" y2="{axis_y}" class="axis"/>')
    ticks, decimals = _ticks(low, high)
    for tick in ticks:
        body.append(f'<line x1="{x(tick):.1f}" y1="{axis_y}" x2="{x(tick):.1f}" y2="{axis_y + 4}" class="axis"/>')
        body.append(
            f'<text x="{x(tick):.1f}" y="{axis_y + 15}" class="tick" text-anchor="middle">{_tick_text(tick, decimals)}</text>'
        )
    body.append(f'<text x="{width - right}" y="{height - 4}" class="tick" text-anchor="end">{escape(unit)}</text>')
    body.append(f'<text x="4" y="{top + 8}" class="tick">{tallest}</text>')
    if median is not None and math.isfinite(median):
        body.append(
            f'<line x1="{x(median):.1f}" y1="{top}" x2="{x(median):.1f}" y2="{axis_y}" class="median"><title>中位数 {_fmt(median)}{escape(unit)}</title></line>'
        )
    for m in points:
        px = x(m.value)
        clipped = not low <= m.value <= high  # drawn hollow at the edge, its tooltip gives the value
        body.append(
            f'<path d="M{px:.1f},{axis_y + 20} l-5,9 h10 z" fill="{"#fff" if clipped else FLAG}" stroke="{FLAG}" class="flag-marker"><title>{escape(m.label)}</title></path>'
        )
    return _svg(width, height, title, body)


@dataclass(frozen=True)
class Series:
    """One line of a chart over the years."""

    name: str
    points: tuple[tuple[int, float | None], ...]  # (year, value in 万元)


def years_svg(
    title: str, series: Sequence[Series], highlight_year: int | None = None, width: int = 460, height: int = 220
) -> Markup:
    """Lines of a department's figures (万元) over the years, the filing's own year shaded."""
    years = sorted({y for s in series for y, v in s.points if v is not None})
    values = [v for s in series for _, v in s.points if v is not None]
    left, right, top, bottom = 64, 120, 26, 32
    body = [f'<text x="{left}" y="16" class="chart-title">{escape(title)}</text>']
    if not values:
        body.append(f'<text x="{left}" y="{top + 30}" class="chart-note">无数据</text>')
        return _svg(width, height, title, body)
    high = max(values) * 1.08 or 1.0
    plot_w, plot_h = width - left - right, height - top - bottom
    if len(years) == 1:
        x = lambda year: left + plot_w / 2  # noqa: E731
    else:
        x = lambda year: left + (year - years[0]) / (years[-1] - years[0]) * plot_w  # noqa: E731
    y = lambda v: top + plot_h - v / high * plot_h  # noqa: E731
    if highlight_year in years:
        band = plot_w / max(len(years) - 1, 1) / 2 if len(years) > 1 else plot_w / 4
        body.append(
            f'<rect x="{x(highlight_year) - band / 2:.1f}" y="{top}" width="{band:.1f}" height="{plot_h}" class="this-year"/>'
        )
    ticks, decimals = _ticks(0, high, 4)
    for tick in ticks:
        body.append(f'<line x1="{left}" y1="{y(tick):.1f}" x2="{left + plot_w}" y2="{y(tick):.1f}" class="grid"/>')
        body.append(
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" class="tick" text-anchor="end">{_tick_text(tick, decimals)}</text>'
        )
    for year in years:
        body.append(f'<text x="{x(year):.1f}" y="{top + plot_h + 16}" class="tick" text-anchor="middle">{year}</text>')
    body.append(f'<text x="4" y="{top - 4}" class="tick">万元</text>')
    for k, s in enumerate(series):
        colour = SERIES[k % len(SERIES)]
        known = [(yr, v) for yr, v in s.points if v is not None]
        if len(known) > 1:
            path = " ".join(f"{'M' if j == 0 else 'L'}{x(yr):.1f},{y(v):.1f}" for j, (yr, v) in enumerate(known))
            body.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for yr, v in known:
            body.append(
                f'<circle cx="{x(yr):.1f}" cy="{y(v):.1f}" r="3.5" fill="{colour}"><title>{escape(s.name)} {yr}年：{_fmt(v)} 万元</title></circle>'
            )
        legend_y = top + 6 + k * 18
        body.append(f'<rect x="{width - right + 12}" y="{legend_y}" width="12" height="4" fill="{colour}"/>')
        body.append(f'<text x="{width - right + 30}" y="{legend_y + 6}" class="tick">{escape(s.name)}</text>')
    return _svg(width, height, title, body)


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
        + "".join(body)
        + "</svg>"
    )
