"""Reopens: an escalation going back from resolved or closed to work, counted in the month it
happened (one per move, from the status history)."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.analytics.figures import Counts, collect
from portal.analytics.filters import AnalyticsFilter
from portal.analytics.sql import month_of
from portal.enums import OPEN_STATUSES, Status
from portal.escalations.models import Escalation, StatusChange
from portal.extensions import db


def reopened(filters: AnalyticsFilter) -> Counts:
    """`reopens` per (month, group)."""
    month = month_of(StatusChange.at)
    rows = db.session.execute(
        select(month, *filters.group_select(), func.count())
        .select_from(StatusChange)
        .join(Escalation, Escalation.id == StatusChange.escalation_id)
        .where(
            StatusChange.from_status.in_((Status.RESOLVED, Status.CLOSED)),
            StatusChange.to_status.in_(OPEN_STATUSES),
            filters.within(StatusChange.at),
            *filters.escalation_criteria(),
        )
        .group_by(month, *filters.grouping())
    ).all()
    return collect(rows, ("reopens",), grouped=filters.grouped)
