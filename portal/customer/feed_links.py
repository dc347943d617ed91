"""What the preferences page shows of a customer's private feed links (the routes that create
and reset them are the page's own, in portal.customer.preferences). Shown to their owner only:
a member of staff previewing the portal as this customer sees that links exist, not them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from portal.auth.preview import is_previewing
from portal.customer.notification_reads import TokenRow
from portal.escalations.models import Escalation
from portal.extensions import db
from portal.feeds import queries, tokens
from portal.feeds.views import escalation_feed_url, feed_urls

LISTED_ESCALATIONS = 50


@dataclass(frozen=True)
class EscalationFeed:
    reference: str
    title: str
    url: str


@dataclass(frozen=True)
class FeedLinks:
    """What the page shows of the person's feeds. `urls` is None while hidden (preview) or
    unreadable (sealed under an older SECRET_KEY: resetting makes new ones)."""

    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    urls: dict[str, str] | None
    escalations: list[EscalationFeed]
    hidden: bool = False


def feed_links_of(user, token: TokenRow | None) -> FeedLinks | None:
    """The person's feed links from their active `token` (notification_reads reads it), or
    None before they created any."""
    if token is None:
        return None
    hidden = is_previewing()
    secret = None if hidden else tokens.unseal(token.token_sealed)
    escalations = []
    if secret is not None:
        rows = db.session.execute(queries.open_escalation_references(
            user.organization_id, limit=LISTED_ESCALATIONS)).all()
        escalations = [EscalationFeed(Escalation.reference_of(row.id), row.title,
                                      escalation_feed_url(secret, row.id)) for row in rows]
    return FeedLinks(prefix=token.prefix, created_at=token.created_at,
                     last_used_at=token.last_used_at,
                     urls=feed_urls(secret) if secret else None,
                     escalations=escalations, hidden=hidden)
