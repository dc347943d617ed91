"""Live pages that stay cheap while nothing changes (a dashboard polled all week long).

    memo.py   what a worker process remembers: user stamps, dashboard and escalation page
              validators, pages
    feed.py   PostgreSQL LISTEN/NOTIFY: which rows changed, so the memo forgets them
    gate.py   WSGI middleware answering repeat requests (304, replayed pages) from the memo

Views take part through the helpers below; all of them do nothing (and the app behaves as
if this package did not exist) on SQLite, with LIVE_MEMO off, or while the feed is down.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g, request
from flask_login import current_user

from portal.live.feed import ChangeFeed
from portal.live.gate import Answer, Gate, Revalidator, Visit, offer_page
from portal.live.memo import Memo, Ticket, UserStamp
from portal.security import csp_nonce

__all__ = ["Answer", "Visit", "escalation_summary", "init_app", "offer", "queue_stamp",
           "remember_user", "revalidates", "stamp_of", "summary", "user_ticket"]

EXTENSION = "clearpath.live"
_REVALIDATORS: dict[str, Revalidator] = {}


def init_app(app: Flask) -> None:
    memo = Memo()
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    feed = None
    if app.config.get("LIVE_MEMO") and url.get_backend_name() == "postgresql":
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        feed = ChangeFeed(dsn, memo)
    gate = Gate(app, app.wsgi_app, memo, feed, revalidators=_REVALIDATORS)
    app.wsgi_app = gate
    app.extensions[EXTENSION] = gate


def revalidates(endpoint: str, *, staff: bool = False):
    """Register `fn(visit) -> Answer | None` as the gate's validator for a live endpoint:
    a customer page, or with `staff` a console page (the gate asks each for its own kind of
    visitor, as the page's own access check would)."""

    def register(fn):
        _REVALIDATORS[endpoint] = Revalidator(fn, staff=staff)
        return fn

    return register


def _memo() -> Memo | None:
    gate = current_app.extensions.get(EXTENSION)
    return gate.memo if gate is not None and gate.memo.live else None


def stamp_of(user) -> UserStamp:
    return UserStamp(id=user.id, session_version=user.session_version, active=user.active,
                     is_staff=user.is_staff, organization_id=user.organization_id,
                     role=user.role.value, timezone=user.timezone or "")


def _keep(ticket: Ticket, kind: str, key: int) -> None:
    g.setdefault("live_tickets", {})[(kind, key)] = ticket


def user_ticket(user_id: int) -> Ticket | None:
    """Take before loading the signed-in user (see `remember_user`)."""
    memo = _memo()
    if memo is None:
        return None
    ticket = memo.ticket("user", user_id)
    _keep(ticket, "user", user_id)
    return ticket


def remember_user(ticket: Ticket | None, user) -> None:
    memo = _memo()
    if memo is not None and ticket is not None:
        memo.remember_user(ticket, stamp_of(user))


def summary(organization_id: int, key, load: Callable[[], Any]) -> Any:
    """An organization's validator for `key`, from the memo or from `load()` (then kept)."""
    memo = _memo()
    if memo is None:
        return load()
    ticket = memo.ticket("org", organization_id)
    _keep(ticket, "org", organization_id)
    value = memo.summary(organization_id, key)
    if value is None:
        value = load()
        memo.remember_summary(ticket, organization_id, key, value)
    return value


def escalation_summary(escalation_id: int, organization_id: int, key,
                       load: Callable[[], Any]) -> Any:
    """An escalation page's validator for `key`, from the memo or from `load()` (then kept,
    unless it is None: the escalation is not there for this viewer)."""
    memo = _memo()
    if memo is None:
        return load()
    tickets = (memo.ticket("escalation", escalation_id), memo.ticket("org", organization_id))
    _keep(tickets[0], "escalation", escalation_id)
    _keep(tickets[1], "org", organization_id)
    value = memo.escalation_summary(escalation_id, organization_id, key)
    if value is None:
        value = load()
        if value is not None:
            memo.remember_escalation_summary(tickets, escalation_id, organization_id, key,
                                             value)
    return value


def queue_stamp(load: Callable[[], Any]) -> Any:
    """The staff queue's change stamp, from the memo or from `load()` (then kept)."""
    memo = _memo()
    if memo is None:
        return load()
    ticket = memo.ticket("queue", 0)
    _keep(ticket, "queue", 0)
    value = memo.queue_stamp()
    if value is None:
        value = load()
        memo.remember_queue_stamp(ticket, value)
    return value


def offer(representation: tuple, etag: str) -> None:
    """The response this view is about to send may be replayed by the gate to the same
    viewer (same session) for the same representation, until its rows change."""
    memo = _memo()
    tickets = g.get("live_tickets", {})
    if memo is None or ("user", current_user.id) not in tickets:
        return
    offer_page(request.environ,
               tickets=tuple((ticket, kind, key) for (kind, key), ticket in tickets.items()),
               representation=representation, etag=etag, nonce=csp_nonce(),
               stamp=stamp_of(current_user))
