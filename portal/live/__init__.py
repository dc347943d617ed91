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

import flask_sqlalchemy.session
import sqlalchemy as sa
from flask import Flask, current_app, g, request
from flask.globals import _cv_app
from flask_login import current_user
from sqlalchemy import event, orm

from portal.accounts.models import Organization, User
from portal.escalations.models import Subscription
from portal.feeds.models import FeedToken
from portal.live.account_copy import merged_copy
from portal.live.feed import ChangeFeed
from portal.live.gate import Answer, Gate, Revalidator, Visit, offer_page
from portal.live.memo import Memo, Ticket, UserStamp
from portal.security import csp_nonce

__all__ = ["Answer", "Visit", "directory", "escalation_summary", "init_app", "offer", "queue_stamp",
           "queue_ticket",
           "remember_user", "revalidates", "settings_of", "signed_in_user", "stamp_of", "summary",
           "user_ticket"]

EXTENSION = "clearpath.live"
_REVALIDATORS: dict[str, Revalidator] = {}


def init_app(app: Flask) -> None:
    if not event.contains(flask_sqlalchemy.session.Session, "after_flush", _forget_flushed):
        event.listen(flask_sqlalchemy.session.Session, "after_flush", _forget_flushed)
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
    # The app context itself rather than `current_app` (a proxy lookup is four calls; every
    # signed-in request asks twice); outside one, `current_app` raises as it did.
    ctx = _cv_app.get(None)
    gate = (ctx.app if ctx is not None else current_app).extensions.get(EXTENSION)
    return gate.memo if gate is not None and gate.memo.live else None


def stamp_of(user) -> UserStamp:
    return UserStamp(id=user.id, session_version=user.session_version, active=user.active,
                     is_staff=user.is_staff, organization_id=user.organization_id,
                     role=user.role.value, timezone=user.timezone or "")


def _keep(ticket: Ticket, kind: str, key: int) -> None:
    ctx = _cv_app.get(None)  # as in _memo: `g` without its proxy
    (ctx.g if ctx is not None else g).setdefault("live_tickets", {})[(kind, key)] = ticket


def user_ticket(user_id: int) -> tuple[Ticket, int] | None:
    """Take before loading the signed-in user (see `remember_user`)."""
    memo = _memo()
    if memo is None:
        return None
    ticket = memo.account_ticket(user_id)
    _keep(ticket[0], "user", user_id)
    return ticket


def signed_in_user(ticket: tuple[Ticket, int] | None, user_id: int, session):
    """The user a session names, with their organization, from the memo and without a
    statement: a copy merged into `session`, still empty at the start of a request (a
    persistent instance of its own, changed and flushed like a loaded one), or None (read
    it, then `remember_user`). The copy was read
    after the last change of the user's row and of their organization's that this process
    heard of (any change of either drops it: migration 0031)."""
    memo = _memo()
    if memo is None or ticket is None or len(session.identity_map):
        return None  # a session that already holds rows (a job's, a test's) reads as before
    account = memo.account(user_id)
    if account is None:
        return None
    user = merged_copy(session, account)  # session.merge(account, load=False), cheaper
    if memo.user(user_id) is None:  # the stamps may have been cleared on their own
        memo.remember_user(ticket[0], stamp_of(user))
    return user


def remember_user(ticket: tuple[Ticket, int] | None, user, *, keep_copy: bool = True) -> None:
    """Keep the stamp the gate decides by and (`keep_copy`) a detached copy of the user, with
    their organization, for the next request; unless either changed since `ticket`."""
    memo = _memo()
    if memo is not None and ticket is not None:
        memo.remember_user(ticket[0], stamp_of(user))
        if keep_copy:
            memo.remember_account(ticket, user.id, _detached_copy(user))


def _forget_flushed(session, flush_context) -> None:
    """A user or organization row (or a person's subscription or feed token: `settings_of`)
    this process writes is forgotten here at once (the change feed tells every process, this
    one included, at commit; this spares the moment between)."""
    memo = _memo() if current_app else None
    if memo is None:
        return
    for instance in (*session.new, *session.dirty, *session.deleted):
        if isinstance(instance, User):
            memo.changed("user", instance.id)
        elif isinstance(instance, Organization):
            memo.changed("organization", instance.id)
        elif isinstance(instance, Subscription | FeedToken):  # what settings_of keeps
            memo.changed("user", instance.user_id)


def _detached_copy(user):
    """A copy of a freshly loaded `user` (and the organization loaded with it) belonging to
    no session: requests merge it into their own and never change it."""
    holder = orm.Session()
    try:
        return holder.merge(user, load=False)
    finally:
        holder.expunge_all()


def _memoized(rows: tuple[tuple[str, int], ...], read: Callable[[Memo], Any],
              load: Callable[[], Any], remember: Callable[[Memo, tuple[Ticket, ...], Any], None]
              ) -> Any:
    """A value derived from `rows` (("org", id), …): from the memo (`read`), or from `load()`
    and then kept (`remember`) with the tickets taken before the read, unless it is None. The
    tickets stay with the request, so a page it offers is kept only while `rows` are unchanged.
    Without a live memo, `load()` each time."""
    memo = _memo()
    if memo is None:
        return load()
    tickets = tuple(memo.ticket(kind, key) for kind, key in rows)
    for ticket, (kind, key) in zip(tickets, rows, strict=True):
        _keep(ticket, kind, key)
    value = read(memo)
    if value is None:
        value = load()
        if value is not None:
            remember(memo, tickets, value)
    return value


def summary(organization_id: int, key, load: Callable[[], Any]) -> Any:
    """An organization's validator for `key` (the dashboard's), from the memo or `load()`."""
    return _memoized(
        (("org", organization_id),), lambda memo: memo.summary(organization_id, key), load,
        lambda memo, tickets, value: memo.remember_summary(tickets[0], organization_id, key,
                                                           value))


def escalation_summary(escalation_id: int, organization_id: int, key,
                       load: Callable[[], Any]) -> Any:
    """An escalation page's validator for `key`, from the memo or from `load()` (None: the
    escalation is not there for this viewer, and nothing is kept)."""
    return _memoized(
        (("escalation", escalation_id), ("org", organization_id)),
        lambda memo: memo.escalation_summary(escalation_id, organization_id, key), load,
        lambda memo, tickets, value: memo.remember_escalation_summary(
            tickets, escalation_id, organization_id, key, value))


def queue_stamp(load: Callable[[], Any]) -> Any:
    """The staff queue's change stamp, from the memo or from `load()`."""
    return _memoized((("queue", 0),), lambda memo: memo.queue_stamp(), load,
                     lambda memo, tickets, value: memo.remember_queue_stamp(tickets[0], value))


def queue_ticket() -> tuple[Memo, Ticket] | None:
    """The staff queue's rows as they stand now, None without a live memo: a value derived
    from them after taking this (the queue's counts) is still theirs while `queue_ticket()`
    answers an equal one (no change notification arrived since; the same window as every
    value the memo keeps). The memo itself is part of it: another app's memo counts apart."""
    memo = _memo()
    return None if memo is None else (memo, memo.ticket("queue", 0))


def settings_of(user_id: int, load: Callable[[], Any], keep: Callable[[Any], bool]) -> Any:
    """What the person chose for themselves (their notification settings): from the memo, or
    from `load()` and kept while `keep(value)` says it may be, until "user:<id>" (any change of
    their row, their subscriptions or their feed tokens: migration 0038). Not kept in the
    request's tickets: no page built from it is offered to the gate."""
    memo = _memo()
    if memo is None:
        return load()
    value = memo.settings(user_id)
    if value is None:
        ticket = memo.ticket("user", user_id)  # before the read: a change meanwhile voids it
        value = load()
        if keep(value):
            memo.remember_settings(ticket, user_id, value)
    return value


def directory(key: str, load: Callable[[], Any]) -> Any:
    """A list of people or accounts (the staff queue's filter choices) from the memo, or from
    `load()` and kept until any user or organization row changes (migration 0031 notifies on
    every insert, change and deletion of either). Without a live memo, `load()` each time."""
    memo = _memo()
    if memo is None:
        return load()
    ticket = memo.directory_ticket()
    value = memo.directory(key)
    if value is None:
        value = tuple(load())
        memo.remember_directory(ticket, key, value)
    return value


def offer(representation: tuple, etag: str) -> None:
    """The response this view is about to send may be replayed by the gate to the same
    viewer (same session) for the same representation, until its rows change."""
    memo = _memo()
    tickets = g.get("live_tickets", {})
    user = current_user._get_current_object()  # once: a read through the proxy is ~17 calls
    if memo is None or ("user", user.id) not in tickets:
        return
    offer_page(request.environ,
               tickets=tuple((ticket, kind, key) for (kind, key), ticket in tickets.items()),
               representation=representation, etag=etag, nonce=csp_nonce(),
               stamp=stamp_of(user))
