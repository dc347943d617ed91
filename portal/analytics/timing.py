"""Time to acknowledge and to resolve: mean and 90th percentile, elapsed time (opened → the
event), counted in the month of the acknowledgement or the resolution — the executive view's
measure (portal.escalations.reporting), over any period and group.

The 90th percentile is the nearest rank: the ⌈0.9·n⌉-th smallest duration. It does not add up
across months, so one statement answers it for each bucket the page shows (month × all groups,
period × group, period × all), through window functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import func, select

from portal.analytics.figures import Counts, Key, collect
from portal.analytics.filters import ALL, PERIOD, AnalyticsFilter
from portal.analytics.sql import month_of, seconds_between
from portal.escalations.models import Escalation
from portal.extensions import db

CLOCKS = {
    "acknowledge": Escalation.acknowledged_at,
    "resolve": Escalation.resolved_at,
}


@dataclass(frozen=True)
class Duration:
    """Mean and 90th percentile over `count` escalations; None when there were none."""

    count: int
    mean: timedelta | None
    p90: timedelta | None


def _durations(filters: AnalyticsFilter, stopped_at):
    month = month_of(stopped_at)
    return (
        select(
            month.label("month"),
            filters.group_column().label("grp"),
            seconds_between(Escalation.opened_at, stopped_at).label("seconds"),
        )
        .where(filters.within(stopped_at), *filters.escalation_criteria())
        .subquery()
    )


def _p90_select(durations, month, group, partition):
    """The p90 row per bucket; `partition` lists the bucket's columns (constants left out:
    PostgreSQL refuses them there)."""
    ranked = select(
        month.label("month"),
        group.label("grp"),
        durations.c.seconds,
        func.row_number()
        .over(partition_by=partition or None, order_by=durations.c.seconds)
        .label("rank"),
        func.count().over(partition_by=partition or None).label("n"),
    ).subquery()
    # ⌈0.9·n⌉ in integers: (9n + 9) // 10.
    return select(ranked.c.month, ranked.c.grp, ranked.c.seconds).where(
        ranked.c.rank == (ranked.c.n * 9 + 9) // 10
    )


def sums(filters: AnalyticsFilter, clock: str) -> Counts:
    """Count and total seconds per (month, group) (the mean adds up from these)."""
    durations = _durations(filters, CLOCKS[clock])
    rows = db.session.execute(
        select(
            durations.c.month, durations.c.grp, func.count(), func.sum(durations.c.seconds)
        ).group_by(durations.c.month, durations.c.grp)
    ).all()
    return collect(rows, (f"{clock}_count", f"{clock}_seconds"))


def percentiles(filters: AnalyticsFilter, clock: str) -> dict[Key, int]:
    """The 90th percentile in seconds per month (all groups), per group over the period and
    over everything: one statement."""
    durations = _durations(filters, CLOCKS[clock])
    period = sa.literal_column(f"'{PERIOD}'", sa.String)
    every = sa.literal_column(f"'{ALL}'", sa.String)
    parts = [
        _p90_select(durations, durations.c.month, every, [durations.c.month]),
        _p90_select(durations, period, every, []),
    ]
    if filters.group_by:
        parts.append(_p90_select(durations, period, durations.c.grp, [durations.c.grp]))
    rows = db.session.execute(sa.union_all(*parts)).all()
    return {(month, group): seconds for month, group, seconds in rows}


def duration(counts, p90_seconds: int | None, clock: str) -> Duration:
    count = counts[f"{clock}_count"]
    if not count:
        return Duration(0, None, None)
    return Duration(
        count,
        timedelta(seconds=counts[f"{clock}_seconds"] / count),
        timedelta(seconds=p90_seconds) if p90_seconds is not None else None,
    )
