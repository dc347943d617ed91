"""What the notification settings page reads, in one statement: the escalations the person
stopped emails for and their current feed token (portal.customer.feed_links shows it).

A one-row constant anchors the statement, so it answers one row even when there is neither;
the token and the muted escalations hang from it by outer joins, under the request's tenancy
criteria like any ORM read (another organization's or a drill's escalation is not joined).
The person's own row is not read again: the request has it (live memo or user loader).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

import sqlalchemy as sa

from portal.escalations.models import Escalation, Subscription
from portal.extensions import db
from portal.feeds.models import FeedToken


@dataclass(frozen=True)
class MutedEscalation:
    reference: str
    title: str


@dataclass(frozen=True)
class TokenRow:
    """The columns of the person's active feed token that the page shows or unseals."""

    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    token_sealed: str


@dataclass(frozen=True)
class NotificationSettings:
    muted: list[MutedEscalation]  # newest first
    token: TokenRow | None  # None before the person made feed links


@cache
def _statement() -> sa.Select:
    person = sa.bindparam("user_id")
    newest_token = (sa.select(FeedToken.id)
                    .where(FeedToken.user_id == person, FeedToken.revoked_at.is_(None))
                    .order_by(FeedToken.created_at.desc(), FeedToken.id.desc())
                    .limit(1).scalar_subquery())
    one_row = sa.select(sa.literal(1).label("one")).subquery("one_row")
    return (sa.select(FeedToken.prefix, FeedToken.created_at, FeedToken.last_used_at,
                      FeedToken.token_sealed, Escalation.id, Escalation.title)
            .select_from(one_row)
            .outerjoin(FeedToken, FeedToken.id == newest_token)
            .outerjoin(Subscription, sa.and_(Subscription.user_id == person,
                                             Subscription.subscribed.is_(False)))
            .outerjoin(Escalation, Escalation.id == Subscription.escalation_id)
            .order_by(Escalation.opened_at.desc()))


def notification_settings_of(user_id: int) -> NotificationSettings:
    """The person's muted escalations and active feed token (one statement)."""
    rows = db.session.execute(_statement(), {"user_id": user_id}).all()
    first = rows[0] if rows else None
    token = (TokenRow(first.prefix, first.created_at, first.last_used_at, first.token_sealed)
             if first is not None and first.prefix is not None else None)
    return NotificationSettings(
        muted=[MutedEscalation(Escalation.reference_of(row.id), row.title)
               for row in rows if row.id is not None],
        token=token)
