"""Which escalations a figure counts and how they are grouped: one filter for every query.

Months are UTC calendar months, named `YYYY-MM`. A figure is counted in the month its own
event happened (opened, acknowledged, resolved, the promise fell due, the survey was answered,
the reopen or the de-escalation); the filters and groups apply to the escalation it belongs to
(its organization, current severity, current tier, product area and current owner).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy import ColumnElement

from portal.enums import Tier
from portal.escalations.models import Escalation
from portal.escalations.queries import not_a_drill

ALL = ""  # the group key when figures are not grouped, or the sum of every group
PERIOD = "period"  # the bucket key of the whole period
NONE = "none"  # the group of escalations without a value (no owner)
MAX_MONTHS = 36

GROUPINGS = {
    "organization": "Organization",
    "severity": "Severity",
    "tier": "Tier",
    "product_area": "Product area",
    "owner": "Owner",
}


def month_key(day: date | str) -> str:
    """A month's key from its first day (a date, or SQLite's `YYYY-MM-DD` text)."""
    if isinstance(day, str):
        return day[:7]
    return f"{day.year:04d}-{day.month:02d}"


def group_key(value) -> str:
    """A group's key from its raw column value (NONE for no owner)."""
    if value is None:
        return NONE
    return str(getattr(value, "value", value))


def month_start(key: str) -> date:
    """`2026-07` → 1 July 2026; ValueError for anything else."""
    year, _, month = key.partition("-")
    if len(year) != 4 or len(month) != 2 or not (year + month).isdigit():
        raise ValueError(f"not a month: {key!r}")
    return date(int(year), int(month), 1)


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def months_back(day: date, count: int) -> date:
    """The first day of the month `count` months before `day`'s."""
    index = day.year * 12 + day.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class AnalyticsFilter:
    since: date  # first day of the first month
    until: date  # first day of the last month (inclusive)
    organization_id: int | None = None
    severity: int | None = None
    tier: Tier | None = None
    product_area: str | None = None
    owner_id: int | None = None
    group_by: str | None = None  # a key of GROUPINGS

    @property
    def start(self) -> datetime:
        return datetime.combine(self.since, datetime.min.time(), tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """The instant after the last month (exclusive)."""
        return datetime.combine(next_month(self.until), datetime.min.time(), tzinfo=UTC)

    @property
    def months(self) -> list[str]:
        keys, day = [], self.since
        while day <= self.until:
            keys.append(month_key(day))
            day = next_month(day)
        return keys

    @property
    def active_filters(self) -> int:
        """How many filters narrow the escalations (the months aside)."""
        return sum(
            value is not None
            for value in (
                self.organization_id,
                self.severity,
                self.tier,
                self.product_area,
                self.owner_id,
            )
        )

    def escalation_criteria(self) -> list[ColumnElement[bool]]:
        """The filters, as criteria on `Escalation`."""
        criteria = [not_a_drill()]  # a drill never counts (portal.drills)
        if self.organization_id is not None:
            criteria.append(Escalation.organization_id == self.organization_id)
        if self.severity is not None:
            criteria.append(Escalation.severity == self.severity)
        if self.tier is not None:
            criteria.append(Escalation.tier == self.tier)
        if self.product_area is not None:
            criteria.append(Escalation.product_area == self.product_area)
        if self.owner_id is not None:
            criteria.append(Escalation.owner_id == self.owner_id)
        return criteria

    def group_column(self) -> ColumnElement | None:
        """The escalation's column the figures are grouped by; None when not grouped. Read
        raw (no cast per row) and named by `group_key`."""
        return {
            "organization": Escalation.organization_id,
            "severity": Escalation.severity,
            "tier": Escalation.tier,
            "product_area": Escalation.product_area,
            "owner": Escalation.owner_id,
        }.get(self.group_by or "")

    @property
    def grouped(self) -> bool:
        return self.group_column() is not None

    def group_select(self) -> list[ColumnElement]:
        """What to select (and GROUP BY) besides the month: the group column, or nothing."""
        column = self.group_column()
        return [] if column is None else [column]

    def grouping(self) -> list[ColumnElement]:
        return self.group_select()

    def within(self, column) -> ColumnElement[bool]:
        """`column` falls inside the period's months."""
        return sa.and_(column >= self.start, column < self.end)
