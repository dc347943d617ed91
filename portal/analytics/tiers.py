"""Time in each tier and de-escalations, from the tier changes the audit log holds (every move
goes through `move_tier`, which audits `escalation.tier_changed` with the tiers it moved
between).

Time in a tier is counted for escalations resolved in the month: from opening to the first
move in the tier it was opened at, then from each move to the next (or to the resolution) in
the tier it moved to. The mean is over the escalations that spent time in that tier.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import func, select

from portal.analytics.figures import Counts, collect
from portal.analytics.filters import AnalyticsFilter
from portal.analytics.sql import month_of, seconds_between, tier_rank
from portal.audit import AuditEvent
from portal.enums import Tier
from portal.escalations.models import Escalation
from portal.extensions import db

TIER_CHANGED = "escalation.tier_changed"


def _from_tier():
    return AuditEvent.detail["from_tier"].as_string()


def _to_tier():
    return AuditEvent.detail["to_tier"].as_string()


def deescalations(filters: AnalyticsFilter) -> Counts:
    """`deescalations` (moves to a lower tier) per (month, group), in the month of the move."""
    month = month_of(AuditEvent.at)
    rows = db.session.execute(
        select(month, filters.group_column(), func.count())
        .select_from(AuditEvent)
        .join(Escalation, Escalation.id == AuditEvent.object_id)
        .where(
            AuditEvent.action == TIER_CHANGED,
            AuditEvent.object_type == "Escalation",
            filters.within(AuditEvent.at),
            tier_rank(_to_tier()) < tier_rank(_from_tier()),
            *filters.escalation_criteria(),
        )
        .group_by(month, *filters.grouping())
    ).all()
    return collect(rows, ("deescalations",))


def time_in_tiers(filters: AnalyticsFilter) -> Counts:
    """`tier_seconds:<tier>` and `tier_escalations:<tier>` per (month, group)."""
    resolved = [filters.within(Escalation.resolved_at), *filters.escalation_criteria()]
    order = (AuditEvent.at, AuditEvent.id)
    moves = (
        select(
            AuditEvent.object_id.label("escalation_id"),
            AuditEvent.at,
            _from_tier().label("from_tier"),
            _to_tier().label("to_tier"),
            func.row_number()
            .over(partition_by=AuditEvent.object_id, order_by=order)
            .label("position"),
            func.lead(AuditEvent.at)
            .over(partition_by=AuditEvent.object_id, order_by=order)
            .label("next_at"),
        )
        .where(
            AuditEvent.action == TIER_CHANGED,
            AuditEvent.object_type == "Escalation",
            AuditEvent.object_id.in_(select(Escalation.id).where(*resolved)),
        )
        .subquery()
    )
    first = moves.alias("first_move")
    month, group = month_of(Escalation.resolved_at), filters.group_column()
    opening = (
        select(
            Escalation.id,
            month.label("month"),
            group.label("grp"),
            func.coalesce(first.c.from_tier, sa.cast(Escalation.tier, sa.String)).label("tier"),
            seconds_between(
                Escalation.opened_at, func.coalesce(first.c.at, Escalation.resolved_at)
            ).label("seconds"),
        )
        .select_from(Escalation)
        .outerjoin(first, sa.and_(first.c.escalation_id == Escalation.id, first.c.position == 1))
        .where(*resolved)
    )
    after_moves = (
        select(
            Escalation.id,
            month.label("month"),
            group.label("grp"),
            moves.c.to_tier.label("tier"),
            seconds_between(
                moves.c.at, func.coalesce(moves.c.next_at, Escalation.resolved_at)
            ).label("seconds"),
        )
        .select_from(moves)
        .join(Escalation, Escalation.id == moves.c.escalation_id)
    )
    spans = sa.union_all(opening, after_moves).subquery()
    rows = db.session.execute(
        select(
            spans.c.month,
            spans.c.grp,
            spans.c.tier,
            func.sum(spans.c.seconds),
            func.count(spans.c.id.distinct()),
        ).group_by(spans.c.month, spans.c.grp, spans.c.tier)
    ).all()
    return collect(
        (
            (month, group, *_by_tier(tier, seconds, count))
            for month, group, tier, seconds, count in rows
        ),
        _TIER_NAMES,
    )


_TIER_NAMES = tuple(
    name
    for tier in Tier
    for name in (f"tier_seconds:{tier.value}", f"tier_escalations:{tier.value}")
)


def _by_tier(tier: str, seconds: int, count: int) -> list[int]:
    return [
        value for each in Tier for value in ((seconds, count) if each.value == tier else (0, 0))
    ]
