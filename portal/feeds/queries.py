"""Reads for feeds. Tokens are read unscoped (a token decides the scope; portal.feeds.access);
everything a feed shows is read afterwards, inside the owner's organization scope, through the
same customer-visible filter as the web (`portal.escalations.queries.customer_visible`).

Each feed reads a fixed number of statements whatever the number of rows: the per-feed limits
below bound what a statement returns, and nothing is loaded lazily per row.
"""

from __future__ import annotations

from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.accounts.models import User
from portal.enums import OPEN_STATUSES
from portal.escalations.models import Escalation, Milestone, Subscription, Update
from portal.escalations.queries import customer_visible
from portal.feeds.models import FeedToken

ENTRIES = 50  # newest customer-visible updates in an Atom feed
CALENDAR_MILESTONES = 500  # milestones of open escalations in a calendar, nearest due first


@cache
def _token_with_owner() -> sa.Select:
    return (sa.select(FeedToken)
            .where(FeedToken.token_hash == sa.bindparam("token_hash"),
                   FeedToken.revoked_at.is_(None))
            .options(joinedload(FeedToken.user).joinedload(User.organization)))


def token_with_owner(token_hash: str) -> tuple[sa.Select, dict]:
    """The active token with this hash, with its owner and the owner's organization."""
    return _token_with_owner(), {"token_hash": token_hash}


def active_token_of(user_id: int) -> sa.Select:
    """The person's current feed token (at most one is active; newest first to be sure)."""
    return (sa.select(FeedToken)
            .where(FeedToken.user_id == user_id, FeedToken.revoked_at.is_(None))
            .order_by(FeedToken.created_at.desc(), FeedToken.id.desc()).limit(1))


@cache
def _notification_settings() -> sa.Select:
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


def notification_settings_of(user_id: int) -> tuple[sa.Select, dict]:
    """The notification settings page's one statement: a row per escalation the person stopped
    emails for (newest first; one row with none), each carrying their newest active feed token
    (NULLs before they made one). A one-row constant anchors it and the rest hangs from it by
    outer joins, under the request's tenancy criteria like any ORM read (another organization's
    or a drill's escalation is not joined). The person's own row is not read: the request has
    it already."""
    return _notification_settings(), {"user_id": user_id}


def active_tokens_of(user_id: int) -> sa.Select:
    return sa.select(FeedToken).where(FeedToken.user_id == user_id,
                                      FeedToken.revoked_at.is_(None))


# ----------------------------------------------------------------------------- validators
def organization_digest(organization_id: int, *, open_only: bool) -> sa.Select:
    """One aggregate row that changes whenever a customer's view of the organization's
    escalations may have: count and id sum (one enters or leaves the set), the newest
    `customer_changed_at` (moves for every customer-visible change, never for an internal
    one), and the next-update instants the calendar shows. Internal changes leave it alone,
    so an ETag built from it says nothing about internal notes."""
    criteria = [Escalation.organization_id == organization_id]
    if open_only:
        criteria.append(Escalation.status.in_(OPEN_STATUSES))
    return sa.select(
        sa.func.count(Escalation.id), sa.func.coalesce(sa.func.sum(Escalation.id), 0),
        sa.func.max(Escalation.customer_changed_at),
        sa.func.count(Escalation.next_update_due_at),
        sa.func.min(Escalation.next_update_due_at), sa.func.max(Escalation.next_update_due_at),
    ).where(*criteria)


def escalation_validator(escalation_id: int) -> sa.Select:
    """The escalation's change stamp (no row: missing or another organization's)."""
    return sa.select(Escalation.customer_changed_at, Escalation.title).where(
        Escalation.id == escalation_id)


# ----------------------------------------------------------------------------- contents
_ENTRY_COLUMNS = (Update.id, Update.escalation_id, Update.kind, Update.body, Update.created_at,
                  Update.edited_at, Update.next_update_by, Escalation.title.label("escalation"),
                  User.name.label("author"))


def organization_updates(organization_id: int, *, limit: int = ENTRIES) -> sa.Select:
    """The organization's newest customer-visible updates (retracted ones are gone), with their
    escalation's title and author's name: one statement."""
    return (sa.select(*_ENTRY_COLUMNS)
            .join(Escalation, Escalation.id == Update.escalation_id)
            .outerjoin(User, User.id == Update.author_id)
            .where(Update.organization_id == organization_id, customer_visible(Update))
            .order_by(Update.created_at.desc(), Update.id.desc()).limit(limit))


def escalation_updates(escalation_id: int, *, limit: int = ENTRIES) -> sa.Select:
    """One escalation's newest customer-visible updates, as `organization_updates`."""
    return (sa.select(*_ENTRY_COLUMNS)
            .join(Escalation, Escalation.id == Update.escalation_id)
            .outerjoin(User, User.id == Update.author_id)
            .where(Update.escalation_id == escalation_id, customer_visible(Update))
            .order_by(Update.created_at.desc(), Update.id.desc()).limit(limit))


def promised_updates(organization_id: int) -> sa.Select:
    """Open escalations with the instant their next update is due, as the SLA clock stored it
    (`portal.escalations.due`; none while the clock is paused)."""
    return (sa.select(Escalation.id, Escalation.title, Escalation.severity,
                      Escalation.next_update_due_at, Escalation.customer_changed_at)
            .where(Escalation.organization_id == organization_id,
                   Escalation.status.in_(OPEN_STATUSES),
                   Escalation.next_update_due_at.is_not(None))
            .order_by(Escalation.next_update_due_at, Escalation.id))


def open_milestones(organization_id: int, *, limit: int = CALENDAR_MILESTONES) -> sa.Select:
    """Customer-visible milestones of the organization's open escalations, nearest due first."""
    return (sa.select(Milestone.id, Milestone.title, Milestone.due_at, Milestone.completed_at,
                      Milestone.escalation_id, Escalation.title.label("escalation"),
                      Escalation.customer_changed_at)
            .join(Escalation, Escalation.id == Milestone.escalation_id)
            .where(Milestone.organization_id == organization_id,
                   Escalation.status.in_(OPEN_STATUSES), customer_visible(Milestone))
            .order_by(Milestone.due_at, Milestone.id).limit(limit))


def open_escalation_references(organization_id: int, *, limit: int) -> sa.Select:
    """Open escalations' ids and titles, newest first (the preferences page lists their feeds)."""
    return (sa.select(Escalation.id, Escalation.title)
            .where(Escalation.organization_id == organization_id,
                   Escalation.status.in_(OPEN_STATUSES))
            .order_by(Escalation.opened_at.desc(), Escalation.id.desc()).limit(limit))
