"""A person leaves: deactivation that also ends what works without a session.

`credentials.deactivate` stops sign-in and ends sessions. A feed link and an API token work
without one, and would come back to life if the person were reactivated later, so both are
revoked here, for good: a returning person makes new ones.
"""

from __future__ import annotations

from portal.accounts.credentials import deactivate
from portal.accounts.models import User
from portal.api.tokens import revoke_tokens_issued_by
from portal.feeds.operations import revoke_feed_tokens


def deactivate_person(user: User, *, actor: User) -> None:
    """Stop `user` signing in, end their sessions, revoke their feed links and API tokens."""
    deactivate(user, actor=actor)
    revoke_feed_tokens(user, actor=actor)
    revoke_tokens_issued_by(user, actor=actor)
