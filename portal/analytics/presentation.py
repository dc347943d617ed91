"""How the figures read: one list of columns shared by the page's tables and the CSV (so the
two always carry the same figures), and the charts drawn from them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from markupsafe import Markup

from portal.analytics.charts import Series, bar_chart
from portal.analytics.filters import month_start
from portal.analytics.report import AnalyticsReport, Figures
from portal.enums import Tier


def hours(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 3600, 1)


def minutes(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 60, 1)


def percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def month_label(key: str) -> str:
    """`2026-07` → `Jul 2026`."""
    return month_start(key).strftime("%b %Y")


def short_month(key: str) -> str:
    day: date = month_start(key)
    return day.strftime("%b") if day.month != 1 else day.strftime("%b %y")


@dataclass(frozen=True)
class Column:
    heading: str
    value: Callable[[Figures], float | int | None]
    unit: str = ""  # "h", "min", "%" or "" (a count)

    def shown(self, figures: Figures) -> str:
        value = self.value(figures)
        if value is None:
            return "–"
        if self.unit == "%":
            return f"{value:.1f} %"
        if self.unit == "h":
            return f"{value:,.1f} h"
        if self.unit == "min":
            return f"{value:,.1f} min"
        return f"{value:,}"


COLUMNS: tuple[Column, ...] = (
    Column("Escalations opened", lambda f: f.escalations),
    Column("Tickets (where known)", lambda f: f.tickets),
    Column("Escalation rate", lambda f: percent(f.rate), "%"),
    Column("Acknowledged", lambda f: f.acknowledge.count),
    Column("Mean time to acknowledge", lambda f: hours(f.acknowledge.mean), "h"),
    Column("P90 time to acknowledge", lambda f: hours(f.acknowledge.p90), "h"),
    Column("Assigned", lambda f: f.assign.count),
    Column("Mean time to assign", lambda f: minutes(f.assign.mean), "min"),
    Column("P90 time to assign", lambda f: minutes(f.assign.p90), "min"),
    Column("Resolved", lambda f: f.resolve.count),
    Column("Mean time to resolve", lambda f: hours(f.resolve.mean), "h"),
    Column("P90 time to resolve", lambda f: hours(f.resolve.p90), "h"),
    Column("SLA met (both clocks)", lambda f: f.attainment.met_both),
    Column("SLA attainment", lambda f: percent(f.attainment.share), "%"),
    Column("Update promises made", lambda f: f.promises),
    Column("Update promises kept", lambda f: f.kept),
    Column("Update-cadence adherence", lambda f: percent(f.adherence), "%"),
    Column("Survey answers", lambda f: f.responses),
    Column("CSAT (4 or 5 of 5)", lambda f: percent(f.csat), "%"),
    Column("Reopens", lambda f: f.reopens),
    Column("De-escalations", lambda f: f.deescalations),
    *(
        Column(
            f"Mean time in {tier.value}",
            lambda f, tier=tier.value: hours(f.time_in_tier[tier].mean),
            "h",
        )
        for tier in Tier
    ),
)
BY_HEADING: dict[str, Column] = {column.heading: column for column in COLUMNS}


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    svg: Markup
    columns: tuple[Column, ...]  # the table beside it


def _chart(
    report: AnalyticsReport,
    chart_id: str,
    title: str,
    description: str,
    columns: tuple[Column, ...],
    plotted: tuple[Column, ...],
    *,
    top: float | None = None,
) -> Chart:
    labels = [short_month(month) for month in report.months]
    unit = plotted[0].unit
    series = [
        Series(column.heading, [column.value(report.by_month[m]) for m in report.months])
        for column in plotted
    ]

    def fmt(value: float) -> str:
        if unit == "%":
            return f"{value:.0f} %"
        if unit == "h":
            return f"{value:,.0f} h"
        if unit == "min":
            return f"{value:,.0f} min"
        return f"{value:,.0f}"

    svg = bar_chart(chart_id, title, description, labels, series, fmt=fmt, top=top)
    return Chart(chart_id, title, svg, columns)


def charts(report: AnalyticsReport) -> list[Chart]:
    """The page's charts, each with the columns of its table alternative."""
    by = {column.heading: column for column in COLUMNS}

    def pick(*names: str) -> tuple[Column, ...]:
        return tuple(by[name] for name in names)

    return [
        _chart(
            report,
            "chart-volume",
            "Escalations opened per month",
            "Bars: escalations opened in each month of the period.",
            pick("Escalations opened", "Tickets (where known)", "Escalation rate"),
            pick("Escalations opened"),
        ),
        _chart(
            report,
            "chart-acknowledge",
            "Time to acknowledge per month (hours)",
            "Mean and 90th percentile hours from opening to acknowledgement, by month of "
            "acknowledgement.",
            pick("Acknowledged", "Mean time to acknowledge", "P90 time to acknowledge"),
            pick("Mean time to acknowledge", "P90 time to acknowledge"),
        ),
        _chart(
            report,
            "chart-assign",
            "Time to assign per month (minutes)",
            "Mean and 90th percentile minutes from opening to the first acknowledged owner "
            "(someone taking it, or acknowledging a handoff or on-call triage's assignment), "
            "by month of that acknowledgement.",
            pick("Assigned", "Mean time to assign", "P90 time to assign"),
            pick("Mean time to assign", "P90 time to assign"),
        ),
        _chart(
            report,
            "chart-resolve",
            "Time to resolve per month (hours)",
            "Mean and 90th percentile hours from opening to resolution, by month of resolution.",
            pick("Resolved", "Mean time to resolve", "P90 time to resolve"),
            pick("Mean time to resolve", "P90 time to resolve"),
        ),
        _chart(
            report,
            "chart-sla",
            "SLA attainment per month",
            "Share of the escalations resolved in each month that met both SLA clocks.",
            pick("Resolved", "SLA met (both clocks)", "SLA attainment"),
            pick("SLA attainment"),
            top=100,
        ),
        _chart(
            report,
            "chart-cadence",
            "Update-cadence adherence per month",
            "Share of 'next update by' promises falling due in each month that were kept.",
            pick("Update promises made", "Update promises kept", "Update-cadence adherence"),
            pick("Update-cadence adherence"),
            top=100,
        ),
        _chart(
            report,
            "chart-csat",
            "Customer satisfaction (CSAT) per month",
            "Share of survey answers in each month that scored 4 or 5 out of 5.",
            pick("Survey answers", "CSAT (4 or 5 of 5)"),
            pick("CSAT (4 or 5 of 5)"),
            top=100,
        ),
        _chart(
            report,
            "chart-changes",
            "Reopens and de-escalations per month",
            "Bars side by side: reopened escalations and moves to a lower tier in each month.",
            pick("Reopens", "De-escalations"),
            pick("Reopens", "De-escalations"),
        ),
    ]


def tier_columns() -> tuple[Column, ...]:
    return tuple(column for column in COLUMNS if column.heading.startswith("Mean time in "))


def csv_rows(report: AnalyticsReport, grouping: str):
    """The CSV: every month (all groups), then each group over the period, then the period —
    the figures the page shows, as numbers."""
    period = f"{report.months[0]} to {report.months[-1]}"
    for month in report.months:
        yield (month, "", "All", *(column.value(report.by_month[month]) for column in COLUMNS))
    for group in report.groups:
        yield (
            period,
            grouping,
            group.label,
            *(column.value(report.by_group[group.key]) for column in COLUMNS),
        )
    yield (period, "", "All", *(column.value(report.total) for column in COLUMNS))


CSV_HEADING = ("Month", "Grouped by", "Group", *(column.heading for column in COLUMNS))
