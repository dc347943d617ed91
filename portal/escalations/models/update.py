"""Timeline updates. `visibility` decides whether a customer may ever see one."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.clock import now
from portal.enums import UpdateKind, Visibility, db_enum
from portal.extensions import db
from portal.sqltypes import UTCDateTime
from portal.tenancy import TenantScoped


class Update(TenantScoped, db.Model):
    __tablename__ = "updates"
    __table_args__ = (
        sa.Index("ix_updates_escalation_visibility_created", "escalation_id", "visibility",
                 "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(sa.ForeignKey("escalations.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[UpdateKind] = mapped_column(db_enum(UpdateKind, "update_kind"))
    visibility: Mapped[Visibility] = mapped_column(db_enum(Visibility, "visibility"))
    body: Mapped[str] = mapped_column(sa.Text)  # Markdown, sanitized when rendered
    next_update_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[User | None] = relationship()

    @property
    def is_customer_visible(self) -> bool:
        return self.visibility == Visibility.CUSTOMER
