"""Integrations, the link from a dedupe key to the escalation it opened, and each signal.

Staff data, not customer-owned: nothing here is read by a customer page, so these tables are
not tenant-scoped (ingestion and the console run unscoped, and say so).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import now
from portal.enums import db_enum
from portal.escalations.models import Escalation
from portal.extensions import db
from portal.sqltypes import UTCDateTime


class IntegrationKind(StrEnum):
    ALERTMANAGER = "alertmanager"
    GENERIC = "generic"

    @property
    def label(self) -> str:
        return "Prometheus Alertmanager" if self is IntegrationKind.ALERTMANAGER else "Generic JSON"


class AuthMethod(StrEnum):
    TOKEN = "token"  # Authorization: Bearer <token>; only its SHA-256 is kept
    HMAC = "hmac"  # X-Clearpath-Signature: sha256=<hex HMAC-SHA256 of the body>

    @property
    def label(self) -> str:
        return "Bearer token" if self is AuthMethod.TOKEN else "HMAC-SHA256 signature"


class Outcome(StrEnum):
    """What one signal did."""

    OPENED = "opened"  # opened an escalation
    ADDED = "added"  # added a note to the open escalation of its dedupe key
    REPEAT = "repeat"  # the sender repeated an alert already counted: nothing to do
    PROPOSED = "proposed"  # resolved: a note, and resolution proposed to staff
    NO_OPEN = "no_open"  # resolved, but no open escalation has its dedupe key
    MUTED = "muted"  # recorded while the integration was muted
    UNMAPPED = "unmapped"  # no rule nor default names an organization


class Integration(db.Model):
    __tablename__ = "integrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    kind: Mapped[IntegrationKind] = mapped_column(db_enum(IntegrationKind, "integration_kind"))
    auth_method: Mapped[AuthMethod] = mapped_column(db_enum(AuthMethod, "integration_auth"))
    token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    token_prefix: Mapped[str] = mapped_column(sa.String(16), default="")
    # HMAC needs the secret itself to verify: kept sealed (portal.signals.secrets), shown once
    # and never rendered again.
    hmac_secret_sealed: Mapped[str | None] = mapped_column(sa.Text)
    # Ordered mapping rules (portal.signals.mapping): the first whose labels match wins.
    rules: Mapped[list] = mapped_column(sa.JSON, default=list)
    default_organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="SET NULL"))
    default_severity: Mapped[int] = mapped_column(default=3)
    default_product_area: Mapped[str] = mapped_column(sa.String(80), default="")
    muted: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    default_organization = relationship("Organization")

    @property
    def actor_label(self) -> str:
        return f"Integration {self.name}"


class SignalLink(db.Model):
    """A dedupe key's escalation. `open_key` holds the dedupe key while the link is open and
    is NULL once closed (escalation no longer open, or detached by staff): the unique
    constraint on (integration, open_key) is what stops two workers receiving the same key
    at once from opening two escalations (NULLs never collide, on SQLite and PostgreSQL)."""

    __tablename__ = "signal_links"
    __table_args__ = (sa.UniqueConstraint("integration_id", "open_key",
                                          name="uq_signal_links_open_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("integrations.id", ondelete="CASCADE"), index=True)
    dedupe_key: Mapped[str] = mapped_column(sa.String(200))
    open_key: Mapped[str | None] = mapped_column(sa.String(200))
    escalation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("escalations.id", ondelete="CASCADE"), index=True)
    fired_count: Mapped[int] = mapped_column(default=1)
    first_fired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    last_fired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    resolution_proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last timeline note about this key and the count it reported: repeat firings within
    # `operations.NOTE_EVERY` of it are summed into the next note instead of one note each.
    noted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    noted_count: Mapped[int] = mapped_column(default=1, server_default="1")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    close_reason: Mapped[str] = mapped_column(sa.String(40), default="")

    integration: Mapped[Integration] = relationship()
    escalation: Mapped[Escalation] = relationship()


class Signal(db.Model):
    """One alert as received, and what it did (the integration page's recent signals)."""

    __tablename__ = "signals"
    __table_args__ = (sa.Index("ix_signals_integration_received", "integration_id", "id"),
                      sa.Index("ix_signals_repeat", "integration_id", "fingerprint", "starts_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("integrations.id", ondelete="CASCADE"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    dedupe_key: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(16))  # firing | resolved
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    labels: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    fingerprint: Mapped[str] = mapped_column(sa.String(64), default="")
    starts_at: Mapped[str] = mapped_column(sa.String(40), default="")
    outcome: Mapped[Outcome] = mapped_column(db_enum(Outcome, "signal_outcome"))
    escalation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("escalations.id", ondelete="SET NULL"))

    escalation: Mapped[Escalation | None] = relationship()
