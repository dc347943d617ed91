"""SLA attainment of the escalations resolved in each month, from the breaches the rules sweep
recorded (portal.rules.breaches: one `sla_breaches` row per clock whose due instant passed while
the clock ran). A resolved escalation met a clock when no breach of it was recorded; it met its
SLA when it met both. Read from stored facts, never by replaying clocks per escalation."""

from __future__ import annotations

from sqlalchemy import case, func, select

from portal.analytics.figures import Counts, collect
from portal.analytics.filters import AnalyticsFilter
from portal.analytics.sql import month_of
from portal.escalations.models import Escalation
from portal.escalations.reporting import Attainment
from portal.extensions import db
from portal.rules.models import SlaBreach


def _missed(clock: str):
    return func.max(case((SlaBreach.clock == clock, 1), else_=0))


def resolved(filters: AnalyticsFilter) -> Counts:
    """`resolved`, `acknowledge_met`, `resolve_met` and `met_both` per (month, group)."""
    breaches = (
        select(
            SlaBreach.escalation_id,
            _missed("acknowledge").label("acknowledge"),
            _missed("resolve").label("resolve"),
        )
        .group_by(SlaBreach.escalation_id)
        .subquery()
    )
    month = month_of(Escalation.resolved_at)
    acknowledge_missed = func.coalesce(breaches.c.acknowledge, 0)
    resolve_missed = func.coalesce(breaches.c.resolve, 0)
    rows = db.session.execute(
        select(
            month,
            *filters.group_select(),
            func.count(),
            func.sum(1 - acknowledge_missed),
            func.sum(1 - resolve_missed),
            func.sum(case(((acknowledge_missed + resolve_missed) == 0, 1), else_=0)),
        )
        .select_from(Escalation)
        .outerjoin(breaches, breaches.c.escalation_id == Escalation.id)
        .where(filters.within(Escalation.resolved_at), *filters.escalation_criteria())
        .group_by(month, *filters.grouping())
    ).all()
    return collect(
        rows, ("resolved", "acknowledge_met", "resolve_met", "met_both"), grouped=filters.grouped
    )


def attainment(counts) -> Attainment:
    """The executive view's attainment shape, from one key's counts."""
    return Attainment(
        counted=counts["resolved"],
        met_both=counts["met_both"],
        acknowledge_met=counts["acknowledge_met"],
        resolve_met=counts["resolve_met"],
    )
