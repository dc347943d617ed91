"""Timeline updates. `visibility` decides whether a customer may ever see one."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.clock import now
from portal.enums import UpdateKind, Visibility, db_enum
from portal.extensions import db
from portal.ownership import TenantScoped
from portal.sqltypes import UTCDateTime

#: What `counting_update()` and `customer_visible(Update)` ask of an update, less the note
#: separator test on status changes' bodies: migration 0040's partial index.
COUNTING_UPDATE = ("visibility = 'customer' AND retracted_at IS NULL AND author_id IS NOT NULL"
                   " AND kind IN ('note', 'status_change')")


class Update(TenantScoped, db.Model):
    __tablename__ = "updates"
    __table_args__ = (
        # `id` last: the dashboard's latest update (created_at, then id, newest first) is the
        # first entry that passes, read in the index's order (migration 0039).
        sa.Index("ix_updates_escalation_visibility_created_id", "escalation_id", "visibility",
                 "created_at", "id"),
        # The updates that count (portal.escalations.promises.counting_update, customer-visible
        # and not retracted) in time order: the dashboard's latest update per row is the first
        # entry that passes (migration 0040; the statement writes these values as constants).
        sa.Index("ix_updates_counting_escalation_created", "escalation_id", "created_at", "id",
                 postgresql_where=sa.text(COUNTING_UPDATE), sqlite_where=sa.text(COUNTING_UPDATE)),
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


class UpdateRevision(TenantScoped, db.Model):
    """An update's text before an edit or a retraction: staff read the history here; customers
    never see it (they only see that the update was corrected or retracted)."""

    __tablename__ = "update_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(sa.ForeignKey("updates.id", ondelete="CASCADE"),
                                           index=True)
    action: Mapped[str] = mapped_column(sa.String(20))  # "edited" or "retracted"
    body: Mapped[str] = mapped_column(sa.Text)  # the text as it was before this change
    next_update_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    revised_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    revised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    revised_by: Mapped[User | None] = relationship()


class UpdateTemplate(db.Model):
    """A reusable update body with placeholders (`portal.escalations.placeholders`), managed by
    administrators. Vendor-wide, so not tenant-scoped; archived templates stay for history."""

    __tablename__ = "update_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class UpdateApproval(TenantScoped, db.Model):
    """A customer-visible update waiting for a second staff member. Until approved it is not an
    Update at all, so nothing customers read can ever include it; approval publishes it."""

    __tablename__ = "update_approvals"
    __table_args__ = (sa.Index("ix_update_approvals_state", "state", "submitted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("escalations.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    next_update_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(sa.String(20), default="pending")  # approved, rejected
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    update_id: Mapped[int | None] = mapped_column(sa.ForeignKey("updates.id", ondelete="SET NULL"))

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    escalation = relationship("Escalation")

    @property
    def is_pending(self) -> bool:
        return self.state == "pending"
