"""Issuing, revoking and recognising API tokens (the only writers of `ApiToken`).

Administrators issue staff service tokens; a customer admin issues tokens for their own
organization. A token acts as the person who issued it, within its scopes: the API asks the
same permissions (`portal.permissions`) and the same tenancy scope as the web does for that
person, and a scope only narrows what they could do.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from portal import audit
from portal.accounts.models import User
from portal.api.models import ApiToken
from portal.clock import now
from portal.enums import Role
from portal.extensions import db
from portal.operations import OperationError
from portal.permissions import Capability, can

SECRET_PREFIX = "cp_live_"
SHOWN_PREFIX_CHARS = 6  # after SECRET_PREFIX: "cp_live_ab12cd…"
NAME_MAX = 80

#: What a staff service token may be allowed, in the words the token page shows.
STAFF_SCOPES = {
    "read": "Read escalations, timelines, plans, handoffs and reviews",
    "escalations:write": "Open escalations, edit them, change status, severity and tier",
    "updates:write": "Post internal notes and customer updates",
    "signals:ingest": "Send monitoring signals",
    "webhooks:manage": "Add, test and delete any organization's or staff team's webhook endpoints",
}
#: What a customer's token may be allowed.
CUSTOMER_SCOPES = {
    "read": "Read your organization's escalations",
    "comment": "Comment on escalations",
    "escalations:request": "Ask for an escalation to go to the next level",
    "webhooks:manage": "Add, test and delete your organization's webhook endpoints",
}


def scopes_for(user: User) -> dict[str, str]:
    return STAFF_SCOPES if user.is_staff else CUSTOMER_SCOPES


def fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _check_issuer(actor: User) -> None:
    if actor.is_staff and not can(actor, Capability.MANAGE_ACCOUNTS):
        raise PermissionError("only administrators issue staff service tokens")
    if not actor.is_staff and actor.role != Role.CUSTOMER_ADMIN:
        raise PermissionError("only a customer admin issues tokens for the organization")


def issue_token(*, actor: User, name: str, scopes: list[str],
                expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Issue a token acting as `actor`; returns the row and the secret (shown once, never
    stored). Raises PermissionError for anyone but administrators and customer admins,
    OperationError for a missing name, no or unknown scopes, or an expiry in the past."""
    _check_issuer(actor)
    name = (name or "").strip()
    if not name:
        raise OperationError("Name the token after what will use it.", "name")
    if len(name) > NAME_MAX:
        raise OperationError(f"Keep the name under {NAME_MAX} characters.", "name")
    allowed = scopes_for(actor)
    if not scopes:
        raise OperationError("Choose at least one scope.", "scopes")
    if any(scope not in allowed for scope in scopes):
        raise OperationError("Choose scopes from the list.", "scopes")
    if expires_at is not None and expires_at <= now():
        raise OperationError("The expiry must be in the future.", "expires_at")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        organization_id=None if actor.is_staff else actor.organization_id, name=name,
        prefix=secret[:len(SECRET_PREFIX) + SHOWN_PREFIX_CHARS],
        secret_hash=fingerprint(secret), scopes=[s for s in allowed if s in scopes],
        created_by=actor, created_at=now(), expires_at=expires_at)
    db.session.add(token)
    audit.record("api_token.issued", actor=actor, obj=token, name=name, prefix=token.prefix,
                 scopes=token.scopes)
    return token, secret


def revoke_token(token: ApiToken, *, actor: User) -> None:
    """Stop a token working at once. Raises PermissionError for anyone who could not have
    issued it, OperationError when it was already revoked."""
    _check_issuer(actor)
    if actor.is_staff != (token.organization_id is None):
        raise PermissionError("staff revoke staff tokens; customer admins their own")
    if token.revoked_at is not None:
        raise OperationError("This token was already revoked.")
    token.revoked_at = now()
    audit.record("api_token.revoked", actor=actor, obj=token, name=token.name,
                 prefix=token.prefix)


def revoke_tokens_issued_by(user: User, *, actor: User | None) -> list[ApiToken]:
    """Revoke every token the person issued that still works (they are leaving: a token acts
    as its issuer, so reactivating them later must not bring old tokens back). Audited once."""
    at = now()
    revoked = [token for token in db.session.scalars(
        select(ApiToken).where(ApiToken.created_by_id == user.id,
                               ApiToken.revoked_at.is_(None)))
        if token.usable_at(at)]
    for token in revoked:
        token.revoked_at = at
    if revoked:
        audit.record("api_token.revoked_with_issuer", actor=actor, obj=user,
                     organization_id=user.organization_id,
                     prefixes=[token.prefix for token in revoked])
    return revoked


def token_for_secret(secret: str) -> ApiToken | None:
    """The token a presented secret belongs to (revoked and expired ones included: the caller
    says why it is refused). The caller runs this unscoped: nobody is known yet."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        return None
    return db.session.scalar(select(ApiToken).options(joinedload(ApiToken.created_by))
                             .where(ApiToken.secret_hash == fingerprint(secret)))


def staff_tokens() -> Select:
    """Staff service tokens, newest first (the console's token page)."""
    return (select(ApiToken).where(ApiToken.organization_id.is_(None))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))


def tokens_for_organization(organization_id: int) -> Select:
    """An organization's tokens, newest first (the customer admin's token page)."""
    return (select(ApiToken).where(ApiToken.organization_id == organization_id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))
