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
        select(month, *filters.group_select(), func.count())
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
    return collect(rows, ("deescalations",), grouped=filters.grouped)


def time_in_tiers(filters: AnalyticsFilter) -> Counts:
    """`tier_seconds:<tier>` and `tier_escalations:<tier>` per (month, group)."""
    resolved = (
        select(
            Escalation.id,
            Escalation.opened_at,
            Escalation.resolved_at,
            sa.cast(Escalation.tier, sa.String).label("tier"),
            month_of(Escalation.resolved_at).label("month"),
            *(column.label("grp") for column in filters.group_select()),
        )
        .where(filters.within(Escalation.resolved_at), *filters.escalation_criteria())
        .cte("resolved_escalations")
    )
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
            AuditEvent.object_id.in_(select(resolved.c.id)),
        )
        .cte("tier_moves")
    )
    first = moves.alias("first_move")
    keys = [resolved.c.month, *([resolved.c.grp] if filters.grouped else [])]
    opening = (
        select(
            resolved.c.id,
            *keys,
            func.coalesce(first.c.from_tier, resolved.c.tier).label("tier"),
            seconds_between(
                resolved.c.opened_at, func.coalesce(first.c.at, resolved.c.resolved_at)
            ).label("seconds"),
        )
        .select_from(resolved)
        .outerjoin(first, sa.and_(first.c.escalation_id == resolved.c.id, first.c.position == 1))
    )
    after_moves = (
        select(
            resolved.c.id,
            *keys,
            moves.c.to_tier.label("tier"),
            seconds_between(
                moves.c.at, func.coalesce(moves.c.next_at, resolved.c.resolved_at)
            ).label("seconds"),
        )
        .select_from(moves)
        .join(resolved, resolved.c.id == moves.c.escalation_id)
    )
    spans = sa.union_all(opening, after_moves).subquery()
    span_keys = [spans.c.month, *([spans.c.grp] if filters.grouped else [])]
    rows = db.session.execute(
        select(
            *span_keys,
            spans.c.tier,
            func.sum(spans.c.seconds),
            func.count(spans.c.id.distinct()),
        ).group_by(*span_keys, spans.c.tier)
    ).all()
    return collect(
        ((*row[:-3], *_by_tier(row[-3], row[-2], row[-1])) for row in rows),
        _TIER_NAMES,
        grouped=filters.grouped,
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
