"""What the notification settings page reads, in one statement
(portal.feeds.queries.notification_settings_of, run as a plain read by portal.reads): the
escalations the person stopped emails for and their current feed token
(portal.customer.feed_links shows it).

Most people never stop emails nor make feed links: for them the answer is empty and stays so
until they change one of their subscriptions or feed tokens, which sends "user:<id>" on the
change feed (migration 0038). So an empty answer is remembered by the live memo, with the
signed-in account, and their page then reads nothing (the statement was a third of the page's
work, and PostgreSQL's share). Anything else (a muted escalation's title, a token's last use)
is read every time: it may change without a "user:<id>".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from portal import live, reads
from portal.escalations.models import Escalation
from portal.feeds import queries


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

    @property
    def empty(self) -> bool:
        """Nothing muted and no feed links: what may be remembered (see the module)."""
        return not self.muted and self.token is None


def notification_settings_of(user_id: int, *, remembered: bool = False) -> NotificationSettings:
    """The person's muted escalations and active feed token (one statement). `remembered`
    (a GET, which writes nothing): none while the live memo knows they have neither. A
    request that has just written reads them (its own changes, not yet committed, are never
    remembered)."""
    if not remembered:
        return _read(user_id)
    return live.settings_of(user_id, lambda: _read(user_id), _remembered)


def _remembered(settings: NotificationSettings) -> bool:
    return settings.empty


def _read(user_id: int) -> NotificationSettings:
    rows = reads.rows(*queries.notification_settings_of(user_id))
    first = rows[0] if rows else None
    token = (TokenRow(first.prefix, first.created_at, first.last_used_at, first.token_sealed)
             if first is not None and first.prefix is not None else None)
    return NotificationSettings(
        muted=[MutedEscalation(Escalation.reference_of(row.id), row.title)
               for row in rows if row.id is not None],
        token=token)
