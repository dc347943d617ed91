"""The outbox: every outbound message is a row here, written in the transaction that causes it.

Delivery (dispatchers, channels, retries) reads these rows; nothing leaves any other way.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import now
from portal.enums import db_enum
from portal.extensions import db
from portal.ownership import TenantScoped
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
    # What queued it, when a schedule or a broadcast did (the console counts by these).
    scheduled_notice_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("scheduled_notices.id", ondelete="SET NULL"), index=True)
    broadcast_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("broadcasts.id", ondelete="SET NULL"), index=True)
    # Webhooks: the endpoint (its delivery log reads by this; NULL once the endpoint is
    # deleted, the delivered and dead rows staying in the staff log) and its last HTTP answer.
    webhook_endpoint_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("webhook_endpoints.id", ondelete="SET NULL"), index=True)
    response_status: Mapped[int | None]

    attempt_log: Mapped[list[DeliveryAttempt]] = relationship(
        order_by="DeliveryAttempt.attempt", viewonly=True)


class DeliveryAttempt(db.Model):
    """One try at delivering a webhook notice: when, how long it took, what the receiver
    answered (or the network error). The notice row keeps only the last; these are the log a
    receiver's owner reads to see every retry."""

    __tablename__ = "notice_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(sa.ForeignKey("notices.id", ondelete="CASCADE"),
                                           index=True)
    attempt: Mapped[int]
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_ms: Mapped[int]
    response_status: Mapped[int | None]
    error: Mapped[str] = mapped_column(sa.Text, default="")


class WebhookKind(StrEnum):
    SLACK = "slack"  # {"text": …} for Slack-compatible incoming webhooks
    GENERIC = "generic"  # our JSON document


class WebhookEndpoint(TenantScoped, db.Model):
    """Where webhook notices go: an organization's endpoint (customer-visible events only) or,
    without an organization, a staff team's (every event). Tenant-scoped: a customer session
    sees its own organization's endpoints and never a staff team's.

    The signing secret is sealed at rest (`portal.notices.signing` seals, unseals and says
    which secrets sign at a given time); after a rotation the previous one keeps signing too
    until `previous_secret_until`, so receivers can switch over. `active` False is "paused":
    nothing is queued for it and nothing queued is sent.
    `events` is the chosen subset of `portal.notices.events.CATALOGUE`."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(  # type: ignore[assignment]
        sa.ForeignKey("organizations.id"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    url: Mapped[str] = mapped_column(sa.String(500))
    kind: Mapped[WebhookKind] = mapped_column(db_enum(WebhookKind, "webhook_kind"))
    secret_sealed: Mapped[str] = mapped_column(sa.Text)
    secret_hint: Mapped[str] = mapped_column(sa.String(8), default="", server_default="")
    previous_secret_sealed: Mapped[str | None] = mapped_column(sa.Text)
    previous_secret_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    events: Mapped[list | None] = mapped_column(sa.JSON)  # None: every event it may receive
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, onupdate=now)

    organization = relationship("Organization")

    @property
    def paused(self) -> bool:
        return not self.active

    def receives(self, topic: str) -> bool:
        return self.events is None or topic in self.events


class Audience(StrEnum):
    """Who in the customer organization a scheduled notice or broadcast goes to."""

    SUBSCRIBERS = "subscribers"  # customers following the escalation (scheduled notices)
    EXECUTIVES = "executives"
    CUSTOMER_ADMINS = "customer_admins"  # (broadcasts)
    EVERYONE = "everyone"  # every active customer user of the organization

    @property
    def label(self) -> str:
        return {"subscribers": "Subscribers of the escalation", "executives": "Executives",
                "customer_admins": "Customer admins",
                "everyone": "Everyone in the organization"}[self.value]


class ScheduleStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"
    FINISHED = "finished"


class ScheduledNotice(db.Model):
    """A proactive notice an account manager scheduled on an escalation: once at `first_send_at`,
    or every `repeat_hours` from then until the escalation resolves. Staff-owned: customers
    never read this table, only the emails it queues."""

    __tablename__ = "scheduled_notices"
    __table_args__ = (
        sa.CheckConstraint("repeat_hours IS NULL OR repeat_hours > 0", name="positive_repeat"),
        sa.Index("ix_scheduled_notices_status_next_send", "status", "next_send_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("escalations.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)  # Markdown with placeholders
    audience: Mapped[Audience] = mapped_column(db_enum(Audience, "audience"))
    first_send_at: Mapped[datetime] = mapped_column(UTCDateTime)
    repeat_hours: Mapped[int | None]
    status: Mapped[ScheduleStatus] = mapped_column(
        db_enum(ScheduleStatus, "schedule_status"), default=ScheduleStatus.ACTIVE)
    # The sweep's bookkeeping: occurrences queued so far, and when the next one is due.
    occurrences: Mapped[int] = mapped_column(default=0)
    next_send_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    escalation = relationship("Escalation")
    created_by = relationship("User")

    @property
    def is_recurring(self) -> bool:
        return self.repeat_hours is not None


class Broadcast(db.Model):
    """A known-issue announcement: one message, personalised, to several organizations."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    audience: Mapped[Audience] = mapped_column(db_enum(Audience, "audience"))
    organization_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    recipients: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    created_by = relationship("User")
