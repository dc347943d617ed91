"""Feed tokens: the secret in a private feed's URL (portal.feeds).

A token belongs to a person, not to an organization, so the same table serves a customer's
Atom and iCalendar feeds today and a staff member's on-call calendar later: the feed decides
what its owner may read, the token only says who asks. That is also why the table is not
`TenantScoped`: a feed request arrives without a session, and the token is what decides the
tenancy scope (portal.feeds.access), so it must be readable before any scope exists.

The token is stored twice, never in the clear: its SHA-256 (`token_hash`, what a request is
looked up by) and sealed with Fernet (`token_sealed`, so the owner's preferences page can show
the feed URLs again; see portal.feeds.tokens). `prefix` is the token's first characters, for
people and the audit log to tell tokens apart.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.clock import now
from portal.extensions import db
from portal.sqltypes import UTCDateTime


class FeedToken(db.Model):
    __tablename__ = "feed_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    token_sealed: Mapped[str] = mapped_column(sa.Text)
    prefix: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
