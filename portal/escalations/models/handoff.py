"""Ownership transfers: they carry the handoff template and stay pending until acknowledged."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.clock import now
from portal.enums import Trigger, db_enum
from portal.extensions import db
from portal.ownership import TenantScoped
from portal.sqltypes import UTCDateTime

TRIAGE_GIVER = "On-call triage"


class Handoff(TenantScoped, db.Model):
    __tablename__ = "handoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("escalations.id", ondelete="CASCADE"), index=True
    )
    from_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    to_user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # The handoff template.
    summary: Mapped[str] = mapped_column(sa.Text)
    customer_impact: Mapped[str] = mapped_column(sa.Text)
    steps_taken: Mapped[str] = mapped_column(sa.Text)  # steps taken and their results
    environment: Mapped[str] = mapped_column(sa.Text)
    reason: Mapped[Trigger] = mapped_column(db_enum(Trigger, "trigger"))
    reason_detail: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now,
                                                 index=True)  # the rule sweeps
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    from_user: Mapped[User | None] = relationship(foreign_keys=[from_user_id])
    to_user: Mapped[User] = relationship(foreign_keys=[to_user_id])
    escalation: Mapped[Escalation] = relationship()  # noqa: F821 (resolved by the registry)

    @property
    def giver_name(self) -> str:
        """Who handed it over: a person, or on-call triage (the only handoff without one, made by
        the `oncall-triage` job when it assigns a new escalation to whoever is on call)."""
        return self.from_user.name if self.from_user else TRIAGE_GIVER

    @property
    def is_pending(self) -> bool:
        return self.acknowledged_at is None
