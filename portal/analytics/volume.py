"""Escalation volume, and the escalation rate where the organization's ticket volume is known."""

from __future__ import annotations

from sqlalchemy import and_, func, select

from portal.analytics.figures import Counts, collect
from portal.analytics.filters import ALL, PERIOD, AnalyticsFilter, month_key
from portal.analytics.models import TicketVolume
from portal.analytics.sql import month_of
from portal.escalations.models import Escalation
from portal.extensions import db


def opened(filters: AnalyticsFilter) -> Counts:
    """`escalations` opened per month and group, and how many of them were opened in an
    organization-month whose ticket volume is known (`covered`: the rate's numerator)."""
    month = month_of(Escalation.opened_at)
    rows = db.session.execute(
        select(month, *filters.group_select(), func.count(), func.count(TicketVolume.id))
        .select_from(Escalation)
        .outerjoin(
            TicketVolume,
            and_(
                TicketVolume.organization_id == Escalation.organization_id,
                TicketVolume.month == month,
            ),
        )
        .where(filters.within(Escalation.opened_at), *filters.escalation_criteria())
        .group_by(month, *filters.grouping())
    ).all()
    return collect(rows, ("escalations", "covered"), grouped=filters.grouped)


def tickets(filters: AnalyticsFilter) -> dict[tuple[str, int], int]:
    """Tickets per (month, organization) in the period, for the organizations the filter
    allows (the rate's denominator)."""
    statement = select(
        TicketVolume.month, TicketVolume.organization_id, TicketVolume.tickets
    ).where(TicketVolume.month >= filters.since, TicketVolume.month <= filters.until)
    if filters.organization_id is not None:
        statement = statement.where(TicketVolume.organization_id == filters.organization_id)
    return {
        (month_key(month), organization_id): count
        for month, organization_id, count in db.session.execute(statement)
    }


class TicketTotals:
    """Tickets behind each shown figure, summed once: per month, per organization over the
    period, per both, and in all."""

    def __init__(self, volumes: dict[tuple[str, int], int], *, by_organization: bool):
        self.by_organization = by_organization
        self.totals: dict[tuple[str, str], int] = {}
        for (month, organization_id), count in volumes.items():
            for key in {
                (month, ALL),
                (PERIOD, ALL),
                (month, str(organization_id)),
                (PERIOD, str(organization_id)),
            }:
                self.totals[key] = self.totals.get(key, 0) + count

    def tickets_for(self, month: str, group: str) -> int | None:
        """Tickets behind one (month or PERIOD, group) figure; None when none are known.
        Grouped by organization, a group divides by its own tickets; otherwise every group
        divides by the tickets of all the organizations counted."""
        key = (month, group if self.by_organization else ALL)
        return self.totals.get(key)
