"""Ticket volumes: how many support tickets an organization raised in a month, entered by staff,
so the analytics can say what share of them became escalations."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import now
from portal.extensions import db
from portal.ownership import TenantScoped
from portal.sqltypes import UTCDateTime


class TicketVolume(TenantScoped, db.Model):
    """One organization's ticket count for one calendar month (`month` is its first day)."""

    __tablename__ = "ticket_volumes"
    __table_args__ = (
        sa.UniqueConstraint("organization_id", "month", name="uq_ticket_volumes_month"),
        sa.CheckConstraint("tickets >= 0", name="tickets_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(sa.Date)
    tickets: Mapped[int] = mapped_column(sa.Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
