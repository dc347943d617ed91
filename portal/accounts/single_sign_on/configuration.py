"""Configuring identity providers: staff administrators only (the console's pages). Each
change is validated, audited (never with the secret) and committed by the caller."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select

from portal import audit
from portal.accounts.models import Organization, User
from portal.accounts.single_sign_on import sealing
from portal.accounts.single_sign_on.models import IdentityProvider, IdentityProviderDomain
from portal.enums import CUSTOMER_ROLES, Role
from portal.extensions import db
from portal.operations import OperationError

#: Roles a person made at their first single sign-on may get. Staff never get administrator
#: that way: an administrator is named by another administrator.
STAFF_JIT_ROLES = (Role.AGENT, Role.ACCOUNT_MANAGER, Role.ESCALATION_MANAGER)
CUSTOMER_JIT_ROLES = (Role.VIEWER, Role.EXECUTIVE, Role.CUSTOMER_ADMIN)
DEFAULT_STAFF_ROLE = Role.AGENT
DEFAULT_CUSTOMER_ROLE = Role.VIEWER

_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_AUDITED = ("enabled", "issuer", "client_id", "default_role", "require_sso",
            "break_glass_user_id")
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class ProviderInput:
    issuer: str
    client_id: str
    client_secret: str  # "" keeps the stored one
    domains: str  # as typed: commas, spaces or lines between them
    default_role: Role
    enabled: bool = True
    require_sso: bool = False
    break_glass_user_id: int | None = None


def staff_provider() -> IdentityProvider | None:
    return db.session.scalar(select(IdentityProvider).where(IdentityProvider.for_staff))


def provider_for_organization(organization_id: int) -> IdentityProvider | None:
    return db.session.scalar(select(IdentityProvider)
                             .where(IdentityProvider.organization_id == organization_id))


def break_glass_candidates(organization_id: int):
    """The organization's active customer admins, by name (select())."""
    return (select(User).where(User.organization_id == organization_id,
                               User.role == Role.CUSTOMER_ADMIN, User.active)
            .order_by(User.name))


def configure_organization_provider(organization: Organization, data: ProviderInput, *,
                                    actor: User) -> IdentityProvider:
    """Create or change an organization's provider. Raises OperationError by the field."""
    if data.default_role not in CUSTOMER_ROLES:
        raise OperationError("Choose a customer role.", "default_role")
    if data.require_sso and data.break_glass_user_id is None:
        raise OperationError("Name a break-glass admin: the one person who may still sign "
                             "in with a password if the provider is down.",
                             "break_glass_user_id")
    if data.break_glass_user_id is not None:
        allowed = db.session.scalars(break_glass_candidates(organization.id)).all()
        if data.break_glass_user_id not in {user.id for user in allowed}:
            raise OperationError("Choose an active customer admin of this organization.",
                                 "break_glass_user_id")
    provider = provider_for_organization(organization.id)
    if provider is None:
        provider = IdentityProvider(organization_id=organization.id, for_staff=False)
    return _save(provider, data, actor=actor)


def configure_staff_provider(data: ProviderInput, *, actor: User) -> IdentityProvider:
    """Create or change the staff's provider. Raises OperationError by the field."""
    if data.default_role not in STAFF_JIT_ROLES:
        raise OperationError("Choose agent, account manager or escalation manager.",
                             "default_role")
    provider = staff_provider() or IdentityProvider(organization_id=None, for_staff=True)
    return _save(provider, data, actor=actor, require_sso=False, break_glass_user_id=None)


def _save(provider: IdentityProvider, data: ProviderInput, *, actor: User,
          **forced) -> IdentityProvider:
    new = provider.id is None
    before = {} if new else audit.snapshot(provider, _AUDITED)
    before_domains = [] if new else provider.domain_names
    issuer = checked_issuer(data.issuer)
    client_id = data.client_id.strip()
    if not client_id or len(client_id) > 255:
        raise OperationError("Give the client id the provider issued.", "client_id")
    secret = data.client_secret.strip()
    if new and not secret:
        raise OperationError("Give the client secret the provider issued.", "client_secret")
    if len(secret) > 1000:
        raise OperationError("That is too long for a client secret.", "client_secret")
    domains = _domains(data.domains, provider)
    provider.issuer, provider.client_id = issuer, client_id
    provider.default_role, provider.enabled = data.default_role, data.enabled
    provider.require_sso = forced.get("require_sso", data.require_sso)
    provider.break_glass_user_id = forced.get("break_glass_user_id", data.break_glass_user_id)
    if secret:
        provider.client_secret_sealed = sealing.seal(secret)
        provider.client_secret_hint = sealing.hint(secret)
    kept = {entry.domain: entry for entry in provider.domains}
    provider.domains = [kept.get(name) or IdentityProviderDomain(domain=name)
                        for name in domains]
    db.session.add(provider)
    db.session.flush()
    audit.record("sso.provider_configured", actor=actor, obj=provider,
                 organization_id=provider.organization_id,
                 before=before | {"domains": before_domains},
                 after=audit.snapshot(provider, _AUDITED) | {"domains": domains},
                 client_secret_changed=bool(secret))
    return provider


def checked_issuer(text: str) -> str:
    """The issuer URL as the provider states it (https; plain http only on loopback)."""
    issuer = text.strip()
    parts = urlsplit(issuer)
    secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK)
    if not parts.hostname or not secure or parts.query or parts.fragment or len(issuer) > 500:
        raise OperationError("Give the issuer's https:// URL, as the provider states it.",
                             "issuer")
    return issuer


def _domains(text: str, provider: IdentityProvider) -> list[str]:
    names = sorted({name.strip().lower().lstrip("@")
                    for name in re.split(r"[\s,;]+", text) if name.strip()})
    if not names:
        raise OperationError("Give at least one email domain, such as example.com.", "domains")
    for name in names:
        if not _DOMAIN.match(name):
            raise OperationError(f"“{name[:80]}” is not an email domain.", "domains")
    taken = db.session.scalars(
        select(IdentityProviderDomain.domain).where(
            IdentityProviderDomain.domain.in_(names),
            IdentityProviderDomain.provider_id != (provider.id or 0))).all()
    if taken:
        raise OperationError(f"{', '.join(sorted(taken))} already sign in through another "
                             "provider.", "domains")
    return names
