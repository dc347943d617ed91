"""Feed fixtures: feed tokens issued through the real operation, and the world's feed paths."""

from __future__ import annotations

import pytest

from portal.accounts.models import User
from portal.feeds import operations, tokens


@pytest.fixture
def feed_token(as_staff):
    """`feed_token(user)` issues (or returns) the person's feed token and gives it in full."""

    def issue(user) -> str:
        with as_staff() as session:
            token = operations.issue_feed_token(session.get(User, user.id))
            return tokens.unseal(token.token_sealed)

    return issue


def updates_path(token: str) -> str:
    return f"/feeds/{token}/updates.atom"


def calendar_path(token: str) -> str:
    return f"/feeds/{token}/calendar.ics"


def escalation_path(token: str, reference: str) -> str:
    return f"/feeds/{token}/escalations/{reference}.atom"


def all_paths(token: str, reference: str) -> list[str]:
    return [updates_path(token), calendar_path(token), escalation_path(token, reference)]
