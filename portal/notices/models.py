"""The outbox: every outbound message is a row here, written in the transaction that causes it.

Delivery (dispatchers, channels, retries) reads these rows; nothing leaves any other way.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import now
from portal.enums import db_enum
from portal.extensions import db
from portal.sqltypes import UTCDateTime


class Channel(StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"


class NoticeStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # will be retried at next_attempt_at
    DEAD = "dead"  # gave up: needs a person


class Notice(db.Model):
    """One message to one recipient on one channel. `key` is unique per (event, recipient,
    channel), so the same event never queues twice; it travels as Message-ID/Idempotency-Key."""

    __tablename__ = "notices"
    __table_args__ = (sa.Index("ix_notices_status_next_attempt", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(255), unique=True)
    event: Mapped[str] = mapped_column(sa.String(80))
    channel: Mapped[Channel] = mapped_column(db_enum(Channel, "channel"))
    recipient: Mapped[str] = mapped_column(sa.String(500))  # email address or webhook URL
    recipient_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id"), index=True
    )
    escalation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("escalations.id", ondelete="SET NULL"), index=True
    )
    template: Mapped[str] = mapped_column(sa.String(120))
    context: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    digest: Mapped[bool] = mapped_column(default=False)  # held for the recipient's daily digest
    status: Mapped[NoticeStatus] = mapped_column(
        db_enum(NoticeStatus, "notice_status"), default=NoticeStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str] = mapped_column(  # the claiming dispatcher's token
        sa.String(64), default="", server_default=""
    )
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebhookKind(StrEnum):
    SLACK = "slack"  # {"text": …} for Slack-compatible incoming webhooks
    GENERIC = "generic"  # our JSON document


class WebhookEndpoint(db.Model):
    """Where webhook notices go: an organization's endpoint (customer-visible events only) or,
    without an organization, a staff team's (every event)."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    url: Mapped[str] = mapped_column(sa.String(500))
    kind: Mapped[WebhookKind] = mapped_column(db_enum(WebhookKind, "webhook_kind"))
    secret: Mapped[str] = mapped_column(sa.String(128))  # HMAC-SHA256 key for the signature
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
