"""Update-cadence adherence: promises kept out of promises made.

A promise is a customer update that counts (portal.escalations.promises: staff's customer-
visible note, or a status change carrying staff's note; not retracted) and says "next update
by" a time. It is counted in the month that time falls, once it has passed. It was kept when
another counting update (not retracted) followed by that time, or the escalation was resolved
by then.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased

from portal.analytics.figures import Counts, collect
from portal.analytics.filters import AnalyticsFilter
from portal.analytics.sql import month_of
from portal.escalations.models import Escalation, Update
from portal.escalations.promises import counting_update
from portal.extensions import db


def promises(filters: AnalyticsFilter, *, at: datetime) -> Counts:
    """`promises` made (fallen due by `at`) and `kept`, per (month, group)."""
    later = aliased(Update, name="later_update")
    followed = exists().where(
        later.escalation_id == Update.escalation_id,
        later.id != Update.id,
        later.created_at > Update.created_at,
        later.created_at <= Update.next_update_by,
        later.retracted_at.is_(None),
        counting_update(later),
    )
    resolved_in_time = and_(
        Escalation.resolved_at > Update.created_at, Escalation.resolved_at <= Update.next_update_by
    )
    month = month_of(Update.next_update_by)
    rows = db.session.execute(
        select(
            month,
            *filters.group_select(),
            func.count(),
            func.sum(case((or_(followed, resolved_in_time), 1), else_=0)),
        )
        .select_from(Update)
        .join(Escalation, Escalation.id == Update.escalation_id)
        .where(
            counting_update(),
            Update.retracted_at.is_(None),
            Update.next_update_by.is_not(None),
            filters.within(Update.next_update_by),
            Update.next_update_by <= at,
            *filters.escalation_criteria(),
        )
        .group_by(month, *filters.grouping())
    ).all()
    return collect(rows, ("promises", "kept"), grouped=filters.grouped)
