"""Identity providers and the email domains that lead to them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Organization, User
from portal.clock import now
from portal.enums import Role, db_enum
from portal.extensions import db
from portal.sqltypes import UTCDateTime


class IdentityProvider(db.Model):
    """An OpenID Connect provider: a customer organization's (`organization_id` set) or the
    staff's (`organization_id` NULL; `for_staff` true, at most one such row).

    Not tenant-scoped on purpose: sign-in reads it before anyone is signed in, and only
    staff administrators' pages show or change it.
    """

    __tablename__ = "identity_providers"
    __table_args__ = (
        sa.CheckConstraint("for_staff = (organization_id IS NULL)",
                           name="staff_or_one_organization"),
        sa.UniqueConstraint("organization_id", name="uq_identity_providers_organization_id"),
        sa.Index("uq_identity_providers_staff", "for_staff", unique=True,
                 sqlite_where=sa.text("for_staff"), postgresql_where=sa.text("for_staff")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"))
    for_staff: Mapped[bool] = mapped_column(default=False)
    enabled: Mapped[bool] = mapped_column(default=True)
    issuer: Mapped[str] = mapped_column(sa.String(500))
    client_id: Mapped[str] = mapped_column(sa.String(255))
    client_secret_sealed: Mapped[str] = mapped_column(sa.Text)  # Fernet (see .sealing)
    client_secret_hint: Mapped[str] = mapped_column(sa.String(8), default="")
    default_role: Mapped[Role] = mapped_column(db_enum(Role, "role"))
    # Password sign-in is refused for the organization's people, except the break-glass admin.
    require_sso: Mapped[bool] = mapped_column(default=False)
    break_glass_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    organization: Mapped[Organization | None] = relationship()
    break_glass_user: Mapped[User | None] = relationship()
    domains: Mapped[list[IdentityProviderDomain]] = relationship(
        back_populates="provider", cascade="all, delete-orphan",
        order_by="IdentityProviderDomain.domain")

    @property
    def domain_names(self) -> list[str]:
        return [entry.domain for entry in self.domains]


class IdentityProviderDomain(db.Model):
    """An email domain whose people sign in through one provider (a domain has one provider)."""

    __tablename__ = "identity_provider_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        sa.ForeignKey("identity_providers.id", ondelete="CASCADE"), index=True)
    domain: Mapped[str] = mapped_column(sa.String(253), unique=True)

    provider: Mapped[IdentityProvider] = relationship(back_populates="domains")
