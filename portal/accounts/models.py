"""Organizations (customer accounts), users, and the SLA policies they are on."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import now
from portal.enums import NotificationPreference, Role, Segment, Severity, db_enum
from portal.extensions import db
from portal.ownership import TenantScoped
from portal.sessions import user_token
from portal.sqltypes import UTCDateTime


class SlaPolicy(db.Model):
    """A support plan's promises: per-severity targets on a 24×7 or business-hours calendar.

    `business_hours` is None for 24×7, else {"0": [["09:00", "18:00"]], …} keyed by weekday
    (0 = Monday) in the organization's timezone; `holidays` lists local ISO dates.
    """

    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    business_hours: Mapped[dict | None] = mapped_column(sa.JSON)
    holidays: Mapped[list] = mapped_column(sa.JSON, default=list)

    targets: Mapped[list[SlaTarget]] = relationship(
        back_populates="policy", cascade="all, delete-orphan", order_by="SlaTarget.severity"
    )

    @property
    def is_24x7(self) -> bool:
        return self.business_hours is None

    def target_for(self, severity: int) -> SlaTarget:
        for target in self.targets:
            if target.severity == severity:
                return target
        raise LookupError(f"policy {self.name!r} has no target for severity {severity}")


class SlaTarget(db.Model):
    __tablename__ = "sla_targets"
    __table_args__ = (
        sa.UniqueConstraint("policy_id", "severity", name="uq_sla_targets_policy_severity"),
        sa.CheckConstraint("severity BETWEEN 1 AND 4", name="severity_range"),
        sa.CheckConstraint(
            "acknowledge_minutes > 0 AND update_minutes > 0 AND resolve_minutes > 0",
            name="positive_targets",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(sa.ForeignKey("sla_policies.id", ondelete="CASCADE"))
    severity: Mapped[int] = mapped_column(sa.SmallInteger)
    acknowledge_minutes: Mapped[int]
    update_minutes: Mapped[int]
    resolve_minutes: Mapped[int]

    policy: Mapped[SlaPolicy] = relationship(back_populates="targets")

    @property
    def severity_label(self) -> str:
        return Severity(self.severity).label


class Organization(db.Model):
    """A customer account. Customers only ever see their own (see `portal.tenancy`)."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    segment: Mapped[Segment] = mapped_column(db_enum(Segment, "segment"))
    annual_revenue: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # whole US dollars
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    sla_policy_id: Mapped[int] = mapped_column(sa.ForeignKey("sla_policies.id"))
    account_manager_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", use_alter=True, name="fk_organizations_account_manager_id_users")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # Its customer admin's choice: every member signs in with a second factor
    # (portal.accounts.two_factor).
    two_factor_required: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    sla_policy: Mapped[SlaPolicy] = relationship()
    account_manager: Mapped[User | None] = relationship(foreign_keys=[account_manager_id])
    members: Mapped[list[User]] = relationship(
        back_populates="organization", foreign_keys="User.organization_id"
    )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class User(UserMixin, db.Model):
    """A person who signs in: a customer (with an organization) or vendor staff (without)."""

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(
            "(role IN ('viewer', 'executive', 'customer_admin')) = (organization_id IS NOT NULL)",
            name="customers_have_an_organization",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    job_title: Mapped[str] = mapped_column(sa.String(120), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    role: Mapped[Role] = mapped_column(db_enum(Role, "role"))
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id"), index=True
    )
    timezone: Mapped[str | None] = mapped_column(sa.String(64))
    notification_preference: Mapped[NotificationPreference] = mapped_column(
        db_enum(NotificationPreference, "notification_preference"),
        default=NotificationPreference.IMMEDIATE,
        server_default=NotificationPreference.IMMEDIATE.value,
    )
    # Mail a person stopped with a one-click link: "digests", "broadcasts" (portal.notices.optout).
    email_opt_outs: Mapped[list] = mapped_column(sa.JSON, default=list, server_default="[]")
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on logout, password change and deactivation: every older session cookie dies.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two-factor sign-in (portal.accounts.two_factor): the TOTP secret, encrypted; it counts
    # once `totp_enabled_at` is set (a secret without it is an enrolment in progress).
    # `totp_last_step` is the last accepted time step: a code is never accepted twice.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(255))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    organization: Mapped[Organization | None] = relationship(
        back_populates="members", foreign_keys=[organization_id]
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_staff(self) -> bool:
        return self.role.is_staff

    def get_id(self) -> str:
        # Flask-Login's "alternative token": the id plus the session version, checked on load.
        return user_token(self.id, self.session_version)

    @property
    def zone(self) -> ZoneInfo:
        if self.timezone:
            return ZoneInfo(self.timezone)
        if self.organization is not None:
            return self.organization.zone
        return ZoneInfo("UTC")

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name else self.email


class Invitation(TenantScoped, db.Model):
    """A customer admin's invitation of a colleague; the emailed link carries a signed,
    expiring token naming this row. Accepting creates the user."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    role: Mapped[Role] = mapped_column(db_enum(Role, "role"))
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship()
    invited_by: Mapped[User | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now()
