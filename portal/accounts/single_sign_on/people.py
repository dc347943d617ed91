"""Who may use which door: the provider an email's domain leads to (decided by the domain
alone, so the sign-in page reveals nothing about accounts), whether a person may still use a
password, and who a verified single sign-on is — an existing person of that provider's
organization (or of staff), or a new one made just in time."""

from __future__ import annotations

from sqlalchemy import func, select

from portal import audit
from portal.accounts.models import User
from portal.accounts.operations import create_customer_user, create_staff_user
from portal.accounts.single_sign_on.models import IdentityProvider, IdentityProviderDomain
from portal.accounts.single_sign_on.protocol import SignInRefused
from portal.clock import now
from portal.extensions import db

NOT_ALLOWED = ("{email} is not an address your organization's single sign-on accepts. "
               "Sign in with the address your organization gave you.")
NOT_HERE = ("This address cannot sign in through this single sign-on. Ask your "
            "administrator.")
UNVERIFIED = "Your sign-in service has not verified this email address."
SSO_REQUIRED = ("Your organization signs in with single sign-on. Use “Continue with single "
                "sign-on”.")


def email_domain(email: str) -> str:
    return email.strip().lower().rpartition("@")[2]


def provider_for_email(email: str) -> IdentityProvider | None:
    """The enabled provider the address's domain leads to, or None."""
    domain = email_domain(email)
    if not domain:
        return None
    return db.session.scalar(
        select(IdentityProvider).join(IdentityProviderDomain)
        .where(IdentityProviderDomain.domain == domain, IdentityProvider.enabled))


def password_offered(provider: IdentityProvider | None) -> bool:
    """Whether the sign-in page shows the password field openly for a domain (otherwise it
    is folded away for the break-glass admin)."""
    return provider is None or not provider.require_sso


def password_refused(user: User) -> bool:
    """True when the person's organization requires single sign-on and they are not its
    break-glass admin."""
    if user.organization_id is None:
        return False
    provider = db.session.scalar(select(IdentityProvider).where(
        IdentityProvider.organization_id == user.organization_id))
    return (provider is not None and provider.enabled and provider.require_sso
            and provider.break_glass_user_id != user.id)


def refuse_password(user: User) -> None:
    audit.record("auth.sso_refused", actor=user, obj=user,
                 reason="password sign-in while single sign-on is required")


def person_signing_in(provider: IdentityProvider, claims: dict) -> User:
    """The active person a verified ID token names, made now if their domain allows it.
    Raises SignInRefused (audited by the caller)."""
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise SignInRefused("no email claim", NOT_HERE)
    email = email.strip().lower()
    if claims.get("email_verified") is False:
        raise SignInRefused("email not verified by the provider", UNVERIFIED)
    if email_domain(email) not in provider.domain_names:
        raise SignInRefused(f"domain {email_domain(email)} not allowed",
                            NOT_ALLOWED.format(email=email))
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None:
        user = _create(provider, email, claims)
    elif user.organization_id != provider.organization_id or user.is_staff != provider.for_staff:
        raise SignInRefused("the account belongs to another organization", NOT_HERE)
    elif not user.active:
        raise SignInRefused("account deactivated", NOT_HERE)
    user.last_login_at = now()
    audit.record("auth.login", actor=user, obj=user, method="sso")
    return user


def _create(provider: IdentityProvider, email: str, claims: dict) -> User:
    name = claims.get("name") if isinstance(claims.get("name"), str) else ""
    name = (name or email.partition("@")[0]).strip()[:200]
    if provider.for_staff:
        user = create_staff_user(email=email, name=name, password=None,
                                 role=provider.default_role, actor=None)
    else:
        user = create_customer_user(provider.organization, email=email, name=name,
                                    password=None, role=provider.default_role, actor=None)
    audit.record("auth.sso_user_created", actor=user, obj=user,
                 role=provider.default_role.value, provider_id=provider.id)
    return user
