"""Charts as SVG made on the server, inlined in the report HTML (no scripts, no fetches).

Text is escaped; sizes are in CSS pixels of a 170 mm wide column. Colours meet WCAG AA against
their backgrounds and read in greyscale print (darker means higher tier).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from markupsafe import Markup

from portal.enums import Status

WIDTH = 640
LABEL_W = 118
RIGHT = 14
INK = "#1f2937"
MUTED = "#5b6472"
GRID = "#e3e7ee"
LINE = "#1d4f91"
TIER_COLOURS = {"L1": ("#dbe7f6", INK), "L2": ("#a9c6ec", INK), "L3": ("#4f7fc0", "#ffffff"),
                "Management": ("#1d3a6e", "#ffffff")}
STATUS_ORDER = [Status.NEW, Status.ACKNOWLEDGED, Status.INVESTIGATING,
                Status.WAITING_ON_CUSTOMER, Status.CONTAINED, Status.RESOLVED, Status.CLOSED]


def _text(x: float, y: float, body: str, *, size: float = 9, fill: str = MUTED,
          anchor: str = "start", weight: str = "normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}" '
            f'text-anchor="{anchor}" font-weight="{weight}">{escape(body)}</text>')


def _svg(height: float, body: list[str], label: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-label="{escape(label)}" width="{WIDTH}" height="{height:.0f}" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" font-family="DejaVu Sans">'
        + "".join(body) + "</svg>")


@dataclass(frozen=True)
class _Scale:
    start: datetime
    end: datetime
    x0: float
    x1: float

    def x(self, at: datetime) -> float:
        span = max((self.end - self.start).total_seconds(), 60)
        share = min(max((at - self.start).total_seconds() / span, 0), 1)
        return self.x0 + share * (self.x1 - self.x0)


def _ticks(start: datetime, end: datetime, zone: ZoneInfo, count: int = 5):
    span = max(end - start, timedelta(minutes=1))
    fmt = "%d %b %H:%M" if span < timedelta(days=3) else "%d %b"
    for i in range(count):
        at = start + span * i / (count - 1)
        yield at, at.astimezone(zone).strftime(fmt)


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


def escalation_path(statuses: list[dict], tiers: list[dict], *, end: str | None,
                    timezone: str) -> Markup:
    """The escalation's path: a step line through the statuses over time, and a band of the
    tiers it was worked at underneath, on one time axis (in the organization's timezone)."""
    zone = ZoneInfo(timezone)
    points = [(_parse(s["at"]), Status(s["status"])) for s in statuses]
    tier_points = [(_parse(t["at"]), t["tier"]) for t in tiers]
    if not points:
        return Markup("")
    start = points[0][0]
    finish = _parse(end) if end else points[-1][0]
    # The path ends at resolution: closing weeks later would squash the story into a sliver.
    points = [p for p in points if p[0] <= finish] or points[:1]
    tier_points = [t for t in tier_points if t[0] <= finish] or tier_points[:1]
    finish = max(finish, points[-1][0], start + timedelta(minutes=1))
    used = [s for s in STATUS_ORDER if any(p[1] == s for p in points)]
    row_h, top = 17, 8
    lane_y = top + row_h * len(used) + 12
    axis_y = lane_y + 26
    scale = _Scale(start, finish, LABEL_W, WIDTH - RIGHT)
    body = []
    for i, status in enumerate(used):
        y = top + row_h * i + row_h / 2
        body.append(f'<line x1="{LABEL_W}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
                    f'stroke="{GRID}" stroke-width="1"/>')
        body.append(_text(LABEL_W - 8, y + 3, status.label, anchor="end"))
    path, previous_y = [], None
    for i, (at, status) in enumerate(points):
        x = scale.x(at)
        y = top + row_h * used.index(status) + row_h / 2
        if previous_y is None:
            path.append(f"M{x:.1f},{y:.1f}")
        else:
            path.append(f"L{x:.1f},{previous_y:.1f} L{x:.1f},{y:.1f}")
        previous_y = y
        if i == len(points) - 1:
            path.append(f"L{scale.x(finish):.1f},{y:.1f}")
    body.append(f'<path d="{" ".join(path)}" fill="none" stroke="{LINE}" stroke-width="2.2" '
                f'stroke-linejoin="round"/>')
    for at, status in points:
        y = top + row_h * used.index(status) + row_h / 2
        body.append(f'<circle cx="{scale.x(at):.1f}" cy="{y:.1f}" r="3" fill="{LINE}"/>')
    body.append(_text(LABEL_W - 8, lane_y + 12, "Tier", anchor="end", weight="bold",
                      fill=INK))
    for i, (at, tier) in enumerate(tier_points):
        x0 = scale.x(at)
        x1 = scale.x(tier_points[i + 1][0]) if i + 1 < len(tier_points) else scale.x(finish)
        fill, ink = TIER_COLOURS.get(tier, ("#dbe7f6", INK))
        body.append(f'<rect x="{x0:.1f}" y="{lane_y:.1f}" width="{max(x1 - x0, 1):.1f}" '
                    f'height="17" fill="{fill}" stroke="#ffffff" stroke-width="1"/>')
        if x1 - x0 > 8 * len(tier) + 6:
            body.append(_text((x0 + x1) / 2, lane_y + 12, tier, anchor="middle", fill=ink,
                              size=8.5, weight="bold"))
    body.append(f'<line x1="{LABEL_W}" y1="{axis_y:.1f}" x2="{WIDTH - RIGHT}" '
                f'y2="{axis_y:.1f}" stroke="{MUTED}" stroke-width="0.8"/>')
    for i, (at, label) in enumerate(_ticks(start, finish, zone)):
        x = scale.x(at)
        anchor = "start" if i == 0 else "end" if i == 4 else "middle"
        body.append(f'<line x1="{x:.1f}" y1="{axis_y:.1f}" x2="{x:.1f}" y2="{axis_y + 4:.1f}" '
                    f'stroke="{MUTED}" stroke-width="0.8"/>')
        body.append(_text(x, axis_y + 14, label, anchor=anchor, size=8))
    legend_y = axis_y + 32
    x = LABEL_W
    for tier, (fill, _) in TIER_COLOURS.items():
        body.append(f'<rect x="{x}" y="{legend_y - 8}" width="10" height="10" fill="{fill}"/>')
        body.append(_text(x + 14, legend_y, tier, size=8))
        x += 30 + 6 * len(tier)
    return _svg(legend_y + 6, body, "Path of the escalation through statuses and tiers")


def attainment_trend(points: list[dict]) -> Markup:
    """SLA attainment per month as bars (share of resolved escalations that met both clocks),
    with the count resolved under each bar; months with nothing resolved show a dash."""
    height, top, bottom = 190, 14, 40
    plot_h = height - top - bottom
    left = 44
    n = max(len(points), 1)
    slot = (WIDTH - left - RIGHT) / n
    body = []
    for pct in (0, 50, 100):
        y = top + plot_h * (1 - pct / 100)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
                    f'stroke="{GRID}" stroke-width="1"/>')
        body.append(_text(left - 6, y + 3, f"{pct} %", anchor="end", size=8))
    for i, point in enumerate(points):
        cx = left + slot * (i + 0.5)
        share = point.get("share")
        in_period = point.get("in_period", True)
        if share is None:
            body.append(_text(cx, top + plot_h - 4, "–", anchor="middle", size=10))
        else:
            bar_h = max(plot_h * share, 1.5)
            w = min(slot * 0.6, 46)
            colour = LINE if in_period else "#9aa9bf"
            body.append(f'<rect x="{cx - w / 2:.1f}" y="{top + plot_h - bar_h:.1f}" '
                        f'width="{w:.1f}" height="{bar_h:.1f}" fill="{colour}"/>')
            body.append(_text(cx, top + plot_h - bar_h - 4, f"{round(share * 100)} %",
                              anchor="middle", size=8.5, fill=INK, weight="bold"))
        body.append(_text(cx, top + plot_h + 14, point["label"], anchor="middle", size=8.5,
                          fill=INK))
        body.append(_text(cx, top + plot_h + 26, f"{point.get('counted', 0)} resolved",
                          anchor="middle", size=7.5))
    return _svg(height, body, "SLA attainment by month")
