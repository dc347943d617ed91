"""Recording an organization's monthly ticket volume (the escalation rate's denominator)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal import audit
from portal.accounts.models import Organization, User
from portal.analytics.models import TicketVolume
from portal.clock import now
from portal.extensions import db
from portal.operations import OperationError
from portal.permissions import Capability, can

MAX_TICKETS = 10_000_000


def record_ticket_volume(
    organization: Organization, month: date, tickets: int, *, actor: User
) -> TicketVolume:
    """Set (or correct) the organization's ticket count for the month, audited.

    Raises PermissionError unless the actor may record ticket volumes, OperationError for a
    month in the future, or a count below zero or implausibly large.
    """
    if not can(actor, Capability.RECORD_TICKET_VOLUMES):
        raise PermissionError(
            "only account managers, escalation managers and administrators record ticket volumes"
        )
    month = month.replace(day=1)
    if month > now().date().replace(day=1):
        raise OperationError("Enter a month that has begun.", "month")
    if tickets < 0 or tickets > MAX_TICKETS:
        raise OperationError(f"Enter a number from 0 to {MAX_TICKETS:,}.", "tickets")
    volume = db.session.scalars(
        select(TicketVolume).where(
            TicketVolume.organization_id == organization.id, TicketVolume.month == month
        )
    ).first()
    before = volume.tickets if volume else None
    if volume is None:
        volume = TicketVolume(
            organization_id=organization.id, month=month, tickets=tickets, updated_by_id=actor.id
        )
        db.session.add(volume)
    else:
        volume.tickets = tickets
        volume.updated_by_id = actor.id
    db.session.flush()
    audit.record(
        "analytics.ticket_volume_recorded",
        actor=actor,
        obj=volume,
        month=month.isoformat(),
        before=before,
        tickets=tickets,
    )
    return volume
