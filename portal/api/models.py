"""API tokens, and the Idempotency-Key ledger of the writes made with them.

A token is shown once and stored as the SHA-256 of its secret (a 256-bit random string needs
no slow hash: nothing to guess from). Its `prefix` is the part people recognise it by on the
token pages and in the audit log. A customer token carries its organization and is a tenant
row like any other; a staff service token has none, so no customer scope ever sees it.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.clock import now
from portal.extensions import db
from portal.ownership import TenantScoped
from portal.sqltypes import UTCDateTime


class ApiToken(TenantScoped, db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL for a staff service token: invisible to every customer scope.
    organization_id: Mapped[int | None] = mapped_column(  # type: ignore[assignment]
        sa.ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    prefix: Mapped[str] = mapped_column(sa.String(24))
    secret_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    scopes: Mapped[list] = mapped_column(sa.JSON, default=list)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User] = relationship()

    def usable_at(self, at: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > at)


class IdempotencyKey(db.Model):
    """The first answer to a POST sent with an `Idempotency-Key`, per token: a replay gets it
    back without the work being done again. The unique (token, key) pair is what stops two
    concurrent replays: the second INSERT waits for the first transaction and then fails."""

    __tablename__ = "api_idempotency_keys"
    __table_args__ = (sa.UniqueConstraint("token_id", "key", name="uq_api_idempotency_token_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(sa.ForeignKey("api_tokens.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(255))
    fingerprint: Mapped[str] = mapped_column(sa.String(64))  # method, path and body
    status: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    body: Mapped[str] = mapped_column(sa.Text, default="")
    headers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
