"""What makes a signed session cookie a current sign-in: pure rules, one copy.

The app applies them on every request (`portal.security`, Flask-Login's user loader and its
session protection); the live gate (`portal.live.gate`) applies the same functions to the
same cookie before Flask runs, so the two cannot disagree. Nothing here touches Flask, the
database or the clock: callers pass what they read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from enum import Enum
from functools import lru_cache

STARTED = "_started"  # when the person signed in (the absolute limit counts from it)
SEEN = "_seen"  # the last request that moved the idle timer
# The idle timer moves at most once a minute: a polling page does not re-sign and re-send the
# session cookie on every request (the idle limit is then exact to within that minute).
SEEN_RESOLUTION_SECONDS = 60


# Sent by live.js with a live region's own polls: a request nobody asked for by hand. It never
# moves the idle timer, so a page left open and polling is signed out like any idle page.
BACKGROUND_HEADER = "X-Clearpath-Background"
# Where the WSGI environ holds it (`request.headers` reads it there).
BACKGROUND_ENVIRON = "HTTP_" + BACKGROUND_HEADER.upper().replace("-", "_")

USER = "_user_id"  # Flask-Login's key: the signed-in user's token
PREVIEW = "_preview"  # staff previewing the portal as a customer (portal.auth.preview)
# Past the password, before the second factor (portal.auth.signing_in): {"user": a user
# token, "at": when the password was accepted, ...}. Nobody is signed in while it is there:
# it is not USER, so Flask-Login and the live gate see an anonymous session.
PENDING = "_pending"


class Timers(Enum):
    NOT_STARTED = "not started"  # nobody is signed in in this session
    IDLE_PASSED = "idle"  # no request by hand for longer than the idle limit: it ends now
    LIFETIME_PASSED = "lifetime"  # signed in longer than the absolute limit: it ends now
    EXPIRED = "expired"  # a sign-in without timers (made by no path of this app): it ends now
    MOVE_DUE = "move due"  # current, but this request moves the idle timer (a new cookie)
    CURRENT = "current"  # current, and the cookie stays as it is

    @property
    def ended(self) -> bool:
        return self in (Timers.IDLE_PASSED, Timers.LIFETIME_PASSED, Timers.EXPIRED)


def timers(data: Mapping, at: float, *, idle_seconds: float, absolute_seconds: float,
           background: bool = False) -> Timers:
    """The state of a session's idle and absolute timers at `at` (a POSIX timestamp). A
    sign-in without timers (made by no path of this app) has expired: fail closed. A
    `background` request (a poll) never moves the idle timer."""
    if STARTED not in data and USER not in data:
        return Timers.NOT_STARTED
    started, seen = data.get(STARTED), data.get(SEEN)
    if not _is_number(started) or not _is_number(seen):
        return Timers.EXPIRED
    if at - started > absolute_seconds:
        return Timers.LIFETIME_PASSED
    if at - seen > idle_seconds:
        return Timers.IDLE_PASSED
    if background or at - seen < SEEN_RESOLUTION_SECONDS:
        return Timers.CURRENT
    return Timers.MOVE_DUE


def _is_number(value) -> bool:
    kind = type(value)  # a plain int or float (what a cookie's JSON gives) answers at once
    return kind is float or kind is int or (
        isinstance(value, int | float) and not isinstance(value, bool))


def user_token(user_id: int, session_version: int) -> str:
    """Flask-Login's "alternative token" for a user: bumping the version ends every session."""
    return f"{user_id}:{session_version}"


def parse_user_token(token) -> tuple[int, int] | None:
    """(user id, session version) from a token, or None when it is not one."""
    user_id, _, version = str(token or "").partition(":")
    if not (user_id.isascii() and user_id.isdigit() and version.isascii()
            and version.isdigit()):
        return None
    return int(user_id), int(version)


def pending_user(data: Mapping, at: float, *, max_age_seconds: float) -> tuple[int, int] | None:
    """(user id, session version) of a sign-in waiting for its second factor, or None when
    there is none or it is older than `max_age_seconds` at `at`."""
    marker = data.get(PENDING)
    if not isinstance(marker, Mapping) or not _is_number(marker.get("at")):
        return None
    if not 0 <= at - marker["at"] <= max_age_seconds:
        return None
    return parse_user_token(marker.get("user"))


@lru_cache(maxsize=1024)  # a pure function of two strings, asked on every signed-in request
def fingerprint(address: str | None, user_agent: str | None) -> str:
    """The browser a session belongs to (Flask-Login's session identifier, which the app
    installs as Flask-Login's generator): the first forwarded-for (or remote) address and the
    user agent. A different browser marks the session non-fresh."""
    client = address.encode("utf-8").split(b",")[0].strip() if address is not None else None
    agent = user_agent.encode("utf-8") if user_agent is not None else None
    return hashlib.sha512(f"{client}|{agent}".encode()).hexdigest()


def fingerprint_may_stand(data: Mapping, current: str) -> bool:
    """False when a request from `current` would make Flask-Login mark the session non-fresh
    (its cookie changes). A session already non-fresh stays as it is."""
    return data.get("_fresh") is False or data.get("_id") == current
