"""Server-rendered SVG bar charts for the analytics page: no script, text escaped, a <title>
and <desc> inside each chart (the page puts the same figures in a table beside it).

Bars are drawn per month; a month without data shows a dash, never an empty gap that could be
read as zero. Colours meet WCAG AA against white and differ in lightness, so two series read
apart in greyscale too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH = 480  # small, so text stays readable when a phone scales the chart down
HEIGHT = 230
LEFT, RIGHT, TOP, BOTTOM = 60, 8, 14, 46  # room for "100 min" or "1,000 h"
FONT = 12
INK = "#1f2937"
MUTED = "#4b5563"
GRID = "#e3e7ee"
COLOURS = ("#1d4f91", "#8a5a00")  # dark blue, dark amber


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]


def _text(
    x: float, y: float, body: str, *, size: float = FONT, fill: str = MUTED, anchor: str = "middle"
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}" '
        f'text-anchor="{anchor}">{escape(body)}</text>'
    )


def _nice_top(value: float, *, floor: float = 1) -> float:
    if value <= floor:
        return floor
    for step in (1, 2, 2.5, 5):
        magnitude = 10 ** (len(str(int(value))) - 1)
        if value <= step * magnitude:
            return step * magnitude
    return 10 * 10 ** (len(str(int(value))) - 1)


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    fmt: Callable[[float], str],
    top: float | None = None,
) -> Markup:
    """Bars per label (month), one per series side by side; `fmt` writes a value (axis and
    bar labels); `top` fixes the scale (1.0 for shares)."""
    present = [v for s in series for v in s.values if v is not None]
    # A count scale reaches at least 2, so its middle line is a whole number.
    scale_top = top if top is not None else _nice_top(max(present, default=0), floor=2)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(labels), 1)
    bar_w = min(slot * 0.7 / max(len(series), 1), 28)
    body = []
    for fraction in (0, 0.5, 1):
        y = TOP + plot_h * (1 - fraction)
        body.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        body.append(_text(LEFT - 6, y + 3.5, fmt(scale_top * fraction), anchor="end"))
    for i, label in enumerate(labels):
        centre = LEFT + slot * (i + 0.5)
        first = centre - bar_w * len(series) / 2
        for j, each in enumerate(series):
            value = each.values[i]
            x = first + bar_w * j
            if value is None:
                body.append(_text(x + bar_w / 2, TOP + plot_h - 3, "–", fill=MUTED))
                continue
            height = max(plot_h * min(value / scale_top, 1), 1)
            body.append(
                f'<rect x="{x:.1f}" y="{TOP + plot_h - height:.1f}" '
                f'width="{bar_w - 1:.1f}" height="{height:.1f}" '
                f'fill="{COLOURS[j % len(COLOURS)]}"/>'
            )
        body.append(
            _text(
                centre,
                HEIGHT - BOTTOM + 14,
                label,
                fill=INK,
                size=FONT if len(labels) <= 8 else FONT - 2,
            )
        )
    legend_x = LEFT
    if len(series) > 1:
        for j, each in enumerate(series):
            body.append(
                f'<rect x="{legend_x}" y="{HEIGHT - 12}" width="10" height="10" '
                f'fill="{COLOURS[j % len(COLOURS)]}"/>'
            )
            body.append(_text(legend_x + 14, HEIGHT - 3, each.name, anchor="start", fill=INK))
            legend_x += 14 + 7 * len(each.name) + 24
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="analytics-chart" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'preserveAspectRatio="xMidYMid meet">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>' + "".join(body) + "</svg>"
    )
