"""The only writers of feed tokens: issue, reset (revoke and issue), revoke, record a use.

Issuing and resetting write an audit event (the token's prefix only, never the token); the
caller commits. A person holds at most one active token: every feed URL they have carries it,
so one reset replaces all of their feed links at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from portal import audit
from portal.accounts.models import User
from portal.clock import now
from portal.extensions import db
from portal.feeds import queries, tokens
from portal.feeds.models import FeedToken
from portal.operations import OperationError

#: `last_used_at` is written at most this often per token: a feed reader polls every few
#: minutes, and a write per poll would cost more than the feed itself.
LAST_USED_GRANULARITY = timedelta(minutes=10)


def issue_feed_token(user: User, *, actor: User | None = None) -> FeedToken:
    """The person's active feed token, made now if they have none (asking twice is harmless).

    Raises OperationError when the account is deactivated: its feeds answer 404 anyway."""
    if not user.active:
        raise OperationError("This account is deactivated.")
    current = db.session.scalar(queries.active_token_of(user.id))
    if current is not None:
        return current
    return _issue(user, actor=actor or user, action="feeds.token_issued")


def reset_feed_token(user: User, *, actor: User | None = None) -> FeedToken:
    """Revoke the person's feed token (every feed URL they shared stops at once: 404) and
    issue a new one. Raises OperationError when the account is deactivated."""
    if not user.active:
        raise OperationError("This account is deactivated.")
    revoked = _revoke_all(user)
    return _issue(user, actor=actor or user, action="feeds.token_reset",
                  revoked=[token.prefix for token in revoked])


def revoke_feed_tokens(user: User, *, actor: User | None) -> list[FeedToken]:
    """Revoke every active feed token of the person (an administrator's or a later issue's
    "stop my feeds"); their feed URLs answer 404 from now on."""
    revoked = _revoke_all(user)
    if revoked:
        audit.record("feeds.token_revoked", actor=actor, obj=user,
                     organization_id=user.organization_id,
                     revoked=[token.prefix for token in revoked])
    return revoked


def record_use(token: FeedToken, *, at: datetime | None = None) -> bool:
    """Note that the token was used, at most once per LAST_USED_GRANULARITY (one UPDATE, no
    flush of anything else). Returns whether it wrote."""
    at = at or now()
    if token.last_used_at is not None and at - token.last_used_at < LAST_USED_GRANULARITY:
        return False
    db.session.execute(sa.update(FeedToken).where(FeedToken.id == token.id)
                       .values(last_used_at=at).execution_options(synchronize_session=False))
    return True


def _revoke_all(user: User) -> list[FeedToken]:
    at = now()
    revoked = list(db.session.scalars(queries.active_tokens_of(user.id)))
    for token in revoked:
        token.revoked_at = at
    return revoked


def _issue(user: User, *, actor: User, action: str, **detail) -> FeedToken:
    secret = tokens.new_token()
    token = FeedToken(user_id=user.id, token_hash=tokens.token_hash(secret),
                      token_sealed=tokens.seal(secret), prefix=tokens.prefix_of(secret),
                      created_at=now())
    db.session.add(token)
    db.session.flush()
    audit.record(action, actor=actor, obj=user, organization_id=user.organization_id,
                 prefix=token.prefix, **detail)
    return token
