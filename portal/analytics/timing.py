"""Time to acknowledge, to assign and to resolve: count, mean and 90th percentile, elapsed time
(opened → the event), counted in the month of the event — the executive view's measure
(portal.escalations.reporting), over any period and group. "Assign" ends at the first
acknowledged ownership: the earliest acknowledged handoff (someone who took the escalation
themselves acknowledged it as they took it; one given to them, on-call triage's included, when
they acknowledged it).

The 90th percentile is the nearest rank: the ⌈0.9·n⌉-th smallest duration. It does not add up
across months, so one statement per clock answers every bucket the page shows (each month of
all groups, each group over the period, the period) from one pass over the escalations (a
common table expression), ranking durations with window functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import case, func, literal, select

from portal.analytics.figures import Counts, collect_buckets
from portal.analytics.filters import AnalyticsFilter
from portal.analytics.sql import month_of, seconds_between
from portal.escalations.models import Escalation, Handoff
from portal.extensions import db

CLOCKS = ("acknowledge", "assign", "resolve")
MONTHS, GROUPS, PERIOD_TOTAL = 1, 2, 3  # which bucket a result row is


@dataclass(frozen=True)
class Duration:
    """Mean and 90th percentile over `count` escalations; None when there were none."""

    count: int
    mean: timedelta | None
    p90: timedelta | None


def _no_group(durations):
    """NULL as the group column's type (PostgreSQL types a bare NULL in a UNION as text)."""
    return sa.cast(sa.null(), durations.c.grp.type) if "grp" in durations.c else sa.null()


def _bucket(durations, kind: int, *, by_month: bool = False, by_group: bool = False):
    """Count, total and nearest-rank p90 of the durations per month, per group, or over
    all of them."""
    keys = ([durations.c.month] if by_month else []) + ([durations.c.grp] if by_group else [])
    ranked = select(
        *keys,
        durations.c.seconds,
        func.row_number()
        .over(partition_by=keys or None, order_by=durations.c.seconds)
        .label("rank"),
        func.count().over(partition_by=keys or None).label("n"),
    ).subquery()
    return select(
        literal(kind).label("kind"),
        ranked.c.month if by_month else sa.cast(sa.null(), sa.Date).label("month"),
        ranked.c.grp if by_group else _no_group(durations).label("grp"),
        func.count(),
        func.sum(ranked.c.seconds),
        # ⌈0.9·n⌉ in integers: (9n + 9) // 10.
        func.max(case((ranked.c.rank == (ranked.c.n * 9 + 9) // 10, ranked.c.seconds))),
    ).group_by(*(ranked.c[key.name] for key in keys))


def durations(filters: AnalyticsFilter, clock: str) -> Counts:
    """`<clock>_count`, `<clock>_seconds` and `<clock>_p90` for each month (all groups), each
    group over the period and the period: one statement."""
    stopped_at, joined = _stop(clock)
    group = [column.label("grp") for column in filters.group_select()]
    measured = select(
        month_of(stopped_at).label("month"),
        *group,
        seconds_between(Escalation.opened_at, stopped_at).label("seconds"),
    ).select_from(Escalation)
    if joined is not None:
        measured = measured.join(joined, joined.c.escalation_id == Escalation.id)
    measured = measured.where(filters.within(stopped_at),
                              *filters.escalation_criteria()).cte(f"{clock}_durations")
    parts = [_bucket(measured, MONTHS, by_month=True), _bucket(measured, PERIOD_TOTAL)]
    if group:
        parts.append(_bucket(measured, GROUPS, by_group=True))
    rows = db.session.execute(sa.union_all(*parts)).all()
    return collect_buckets(rows, (f"{clock}_count", f"{clock}_seconds", f"{clock}_p90"))


def _stop(clock: str):
    """The instant the clock stops, and the subquery to join for it (None: a column of
    `Escalation`)."""
    if clock == "assign":
        owned = (select(Handoff.escalation_id,
                        func.min(Handoff.acknowledged_at).label("stopped_at"))
                 .where(Handoff.acknowledged_at.is_not(None))
                 .group_by(Handoff.escalation_id).subquery("first_ownership"))
        return owned.c.stopped_at, owned
    return {"acknowledge": Escalation.acknowledged_at,
            "resolve": Escalation.resolved_at}[clock], None


def duration(counts, clock: str) -> Duration:
    count = counts[f"{clock}_count"]
    if not count:
        return Duration(0, None, None)
    p90 = counts.get(f"{clock}_p90")
    return Duration(
        count,
        timedelta(seconds=counts[f"{clock}_seconds"] / count),
        timedelta(seconds=p90) if p90 is not None else None,
    )
