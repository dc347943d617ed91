"""What the analytics pages list beside the figures: the filter's choices and the ticket
volumes entered."""

from __future__ import annotations

from sqlalchemy import Select, select

from portal.accounts.models import Organization, User
from portal.analytics.models import TicketVolume
from portal.enums import STAFF_ROLES
from portal.escalations.models import Escalation
from portal.extensions import db


def product_areas() -> list[str]:
    """Every product area escalations name, for the filter."""
    return list(
        db.session.scalars(
            select(Escalation.product_area)
            .distinct()
            .where(Escalation.product_area != "")
            .order_by(Escalation.product_area)
        )
    )


def staff_by_name() -> Select:
    """Staff who may own escalations (active or not: past owners keep their figures)."""
    return select(User).where(User.role.in_(STAFF_ROLES)).order_by(User.name, User.id)


def ticket_volumes(limit: int = 60) -> Select:
    """The latest ticket volumes entered, newest month first, with their organization."""
    return (
        select(TicketVolume, Organization.name)
        .join(Organization, Organization.id == TicketVolume.organization_id)
        .order_by(TicketVolume.month.desc(), Organization.name)
        .limit(limit)
    )
