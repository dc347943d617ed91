"""Feed fixtures: the world's people with feed tokens, issued through the real operation."""

from __future__ import annotations

import pytest

from portal.accounts.models import User
from portal.extensions import db
from portal.feeds import operations, tokens


@pytest.fixture
def feed_token(as_staff):
    """`feed_token(user)` issues (or returns) the person's feed token and gives it in full."""

    def issue(user) -> str:
        with as_staff() as session:
            token = operations.issue_feed_token(session.get(User, user.id))
            return tokens.unseal(token.token_sealed)

    return issue


def feed_paths(token: str, reference: str | None = None) -> dict[str, str]:
    paths = {"updates": f"/feeds/{token}/updates.atom", "calendar": f"/feeds/{token}/calendar.ics"}
    if reference:
        paths["escalation"] = f"/feeds/{token}/escalations/{reference}.atom"
    return paths


__all__ = ["db", "feed_paths"]
