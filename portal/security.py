"""Passwords, sessions and response headers.

* Passwords: argon2id (Werkzeug's default scrypt parameters are below OWASP's floor).
* Sessions: a signed cookie whose user id carries the user's `session_version`; bumping the
  version (logout, password change, deactivation) kills every older cookie, including captured
  ones. Idle and absolute timeouts are checked on every request.
* Headers: a nonce-based CSP with no unsafe-inline/unsafe-eval, frame-ancestors 'none',
  nosniff, a strict referrer policy.
"""

from __future__ import annotations

import os
import re
import secrets
from binascii import b2a_base64
from contextlib import suppress
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app, flash, g, request, session
from flask.globals import _cv_app, _cv_request
from flask_login import logout_user

from portal import sessions
from portal.clock import now

# A real hash of a random password: verifying against it costs what a real check costs, so an
# unknown email takes as long to refuse as a wrong password.
_DUMMY_HASH: dict[tuple, str] = {}


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["PASSWORD_HASH_TIME_COST"],
        memory_cost=config["PASSWORD_HASH_MEMORY_KIB"],
        parallelism=config["PASSWORD_HASH_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-work check; a missing hash (unknown user) still pays for one verification."""
    hasher = _hasher()
    if password_hash is None:
        key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
        if key not in _DUMMY_HASH:
            _DUMMY_HASH[key] = hasher.hash(secrets.token_urlsafe(16))
        password_hash = _DUMMY_HASH[key]
        with suppress(VerificationError, InvalidHashError):
            hasher.verify(password_hash, password)
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def start_session() -> None:
    """Called right after login_user: stamp the absolute and idle timers."""
    stamp = now().timestamp()
    session[sessions.STARTED] = stamp
    session[sessions.SEEN] = stamp
    session.permanent = True


def session_timers(config, data, at: float, *, background: bool) -> sessions.Timers:
    """`sessions.timers` with an app's configured limits (the gate asks the same question)."""
    return sessions.timers(data, at, idle_seconds=seconds(config["SESSION_IDLE_TIMEOUT"]),
                           absolute_seconds=seconds(config["SESSION_ABSOLUTE_TIMEOUT"]),
                           background=background)


def enforce_session_timeouts() -> None:
    """End the session when it has been idle or alive too long (before_request), and say why
    on the sign-in page the person lands on next. A live region's poll is not activity."""
    current = now().timestamp()
    ctx = _cv_request.get()  # the request, its session and app in one lookup, not three
    data = ctx.session  # read three times below: looked up once
    background = sessions.BACKGROUND_ENVIRON in ctx.request.environ
    state = session_timers(ctx.app.config, data, current, background=background)
    if state.ended:
        logout_user()
        session.clear()
        g.session_expired = True
        flash(session_ended_message(state, current_app.config), "info")
    elif state is sessions.Timers.MOVE_DUE:
        data[sessions.SEEN] = current


def session_ended_message(state: sessions.Timers, config) -> str:
    if state is sessions.Timers.IDLE_PASSED:
        return (f"You were signed out after {_spoken(config['SESSION_IDLE_TIMEOUT'])} without "
                "activity. Please sign in again.")
    if state is sessions.Timers.LIFETIME_PASSED:
        return (f"You were signed out: a sign-in lasts at most "
                f"{_spoken(config['SESSION_ABSOLUTE_TIMEOUT'])}. Please sign in again.")
    return "Your session ended. Please sign in again."


def _spoken(limit: timedelta | float) -> str:
    """"30 minutes", "12 hours", "90 seconds": a limit as a person says it."""
    total = round(seconds(limit))
    for unit, size in (("hour", 3600), ("minute", 60), ("second", 1)):
        if total >= size and total % size == 0:
            count = total // size
            return f"{count} {unit}" + ("" if count == 1 else "s")
    return f"{total} seconds"


def request_fingerprint() -> str:
    """Flask-Login's session identifier for this request, by `sessions.fingerprint`. Read
    from the WSGI environ, where `request.headers.get("X-Forwarded-For",
    request.remote_addr)` and `request.headers.get("User-Agent")` read them (and where the live
    gate reads them)."""
    ctx = _cv_request.get(None)  # the request without its proxy; outside one, as before
    environ = (ctx.request if ctx is not None else request).environ
    return sessions.fingerprint(environ.get("HTTP_X_FORWARDED_FOR", environ.get("REMOTE_ADDR")),
                                environ.get("HTTP_USER_AGENT"))


def seconds(value: timedelta | float) -> float:
    try:
        return _SECONDS[value]  # the configured limits, asked on every request
    except (KeyError, TypeError):
        pass
    made = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if type(value) in (timedelta, int, float) and len(_SECONDS) < 64:
        _SECONDS[value] = made
    return made


_SECONDS: dict[timedelta | float, float] = {}


def csp_nonce() -> str:
    """This request's CSP nonce (one per app context, made on first ask). `g` is read from
    its context variable and its attributes from its `__dict__`, where `g.csp_nonce` keeps
    them: `getattr(g, "csp_nonce", None)` on a request that has none yet raises and catches
    an AttributeError inside `g.__getattr__`."""
    ctx = _cv_app.get(None)
    request_globals = (ctx.g if ctx is not None else g._get_current_object()).__dict__
    nonce = request_globals.get("csp_nonce")
    if nonce is None:
        nonce = request_globals["csp_nonce"] = _new_nonce()
    return nonce


def _new_nonce() -> str:
    """`secrets.token_urlsafe(18)`: 18 bytes of `os.urandom` (what `secrets.token_bytes`
    reads), base64 in its URL-safe alphabet (18 bytes need no padding to strip), in four C
    calls instead of ten through `secrets` and `base64`."""
    return b2a_base64(os.urandom(18), newline=False).translate(_URLSAFE).decode("ascii")


_URLSAFE = bytes.maketrans(b"+/", b"-_")


def content_security_policy(nonce: str) -> str:
    return _CSP.replace(_NONCE_SLOT, nonce)


_NONCE_SLOT = "\x00nonce\x00"
_CSP = "; ".join([
    "default-src 'self'",
    f"script-src 'self' 'nonce-{_NONCE_SLOT}'",
    f"style-src 'self' 'nonce-{_NONCE_SLOT}'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


#: Sent with every response, whatever the view set.
FIXED_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
#: Defaults a view may replace with stricter ones of its own (e.g. an email shown in a
#: sandboxed frame sets its own CSP).
OVERRIDABLE = frozenset({"Content-Security-Policy", "X-Frame-Options", "Cache-Control"})


def security_headers(nonce: str, *, html: bool) -> list[tuple[str, str]]:
    """Every response's security headers (portal.live's gate sends them too, without Flask)."""
    headers = [("Content-Security-Policy", content_security_policy(nonce)), *FIXED_HEADERS,
               ("X-Frame-Options", "DENY")]
    if html:
        headers.append(("Cache-Control", "no-store"))
    return headers


_OURS = frozenset(name.lower() for name, _ in security_headers("", html=True))


def set_security_headers(response):
    headers = response.headers
    # Every header's name lowered once: what the view set, and the content type where
    # `response.mimetype` finds it (the first Content-Type; empty counts as none).
    present = [name.lower() for name, _ in headers._list]
    content_type = (headers._list[present.index("content-type")][1]
                    if "content-type" in present else None)
    html = bool(content_type) and content_type.partition(";")[0].strip() == "text/html"
    ours = security_headers(csp_nonce(), html=html)
    if _OURS.isdisjoint(present):
        # None of them set by the view (nearly every response): appended as `add` would,
        # without checking values this module wrote itself for newlines one by one.
        headers._list.extend(ours)
        return response
    for name, value in ours:
        if name.lower() not in present:
            headers.add(name, value)
        elif name not in OVERRIDABLE:
            headers[name] = value
    return response


_PLAIN_VARY = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+(, [A-Za-z0-9!#$%&'*+.^_`|~-]+)*")


def add_vary(response, name: str) -> None:
    """`response.vary.add(name)`, the same header, without parsing and re-writing a Vary of
    plain names separated by ", " (what this app writes): `name` is appended unless there.
    `name` is one of this app's header names (a constant, never a request's value): it is
    written into the header list as Werkzeug's `headers["Vary"] = ...` would write it, in
    one pass over the list instead of three."""
    headers = response.headers
    items = headers._list
    first, repeated = None, False
    for index, (key, _) in enumerate(items):
        if key[:1] in "Vv" and key.lower() == "vary":  # lowered only when it may be Vary
            if first is not None:
                repeated = True
                break
            first = index
    if first is None:
        items.append(("Vary", name))
        return
    current = items[first][1]
    if not _PLAIN_VARY.fullmatch(current):
        response.vary.add(name)
    elif name.lower() in current.lower().split(", "):
        return
    elif repeated:  # Werkzeug keeps the first and drops the others
        headers["Vary"] = f"{current}, {name}"
    else:
        items[first] = ("Vary", f"{current}, {name}")


def init_app(app: Flask) -> None:
    app.before_request(enforce_session_timeouts)
    app.after_request(set_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
