"""The gate: answers a live page's repeat requests from the memo, before Flask runs.

A customer's dashboard and escalation pages are asked for again and again (a poll every 15 s,
a reload, a second tab) while nothing changed. The gate is WSGI middleware in front of the app.
For a GET of a registered route (matched by the app's own URL rules, with their arguments) it:

1. reads the session cookie (verified with the app's own signing serializer; a cookie already
   verified is looked up, not verified again, and its age is still checked);
2. accepts it only as the app itself would, without changing it, by the app's own rules
   (`portal.sessions`): a signed-in customer (on a console page, staff not previewing a
   customer) whose stamp in the memo has the cookie's session version and is active,
   within the idle and absolute limits and not yet due for its once-a-minute idle-timer
   move, with no flashed messages waiting and the same browser fingerprint Flask-Login
   recorded (tests/live/test_gate_parity.py holds the two together);
3. asks the page's `revalidate(visit)` for the representation's validator, computed from
   the memo only (no database, no templates);
4. answers 304 when the request's If-None-Match has it, or replays a rendered response the
   app made for exactly this representation (with a fresh CSP nonce), or else lets the
   request through to the app. A hard reload (Cache-Control: no-cache) always goes through.

Anything it is unsure of goes through to the app, which then fills the memo: a pass-through
of a registered path captures the response when the view offered it (`offer_page`), the
response is a 200 and sets no cookie. The memo is only filled and read while the change feed
is connected (portal.live.feed), so nothing here outlives a change to the rows it came from.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl

from flask import Flask
from itsdangerous import BadSignature
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, MapAdapter, RoutingException

from portal import security, sessions
from portal.clock import now
from portal.live.memo import CachedPage, Memo, UserStamp

OFFER_KEY = "clearpath.live.offer"
SESSION_MEMO_SIZE = 4096


@dataclass(frozen=True)
class Visit:
    """A request the gate may answer: who asks (from the memo), what for, and when."""

    stamp: UserStamp
    session: dict  # the verified cookie's contents (never changed here)
    view_args: dict  # the route's arguments, as the URL rule converted them
    args: MultiDict
    wants_fragment: bool
    at: object  # datetime
    memo: Memo
    config: dict


@dataclass(frozen=True)
class Answer:
    """A page's validator for this visit, and the key its rendered response is kept under."""

    etag: str
    representation: tuple


@dataclass(frozen=True)
class Revalidator:
    """A live page's validator, `revalidate(visit) -> Answer | None`, and whom it serves:
    signed-in customers, or (`staff`) signed-in staff outside a customer preview."""

    revalidate: Callable[[Visit], Answer | None]
    staff: bool = False


class Gate:
    def __init__(self, app: Flask, wsgi_app, memo: Memo, feed=None, *,
                 revalidators: dict[str, Revalidator]):
        self.app, self.wsgi_app, self.memo, self.feed = app, wsgi_app, memo, feed
        self._endpoints = revalidators  # endpoint → its validator (registered at import)
        self._router: tuple[tuple[str, ...], MapAdapter] | None = None
        self._sessions = _SessionReader(app)

    def _routes(self) -> tuple[tuple[str, ...], MapAdapter]:
        """The registered endpoints' URL rules (copies of the app's, with its converters) in
        a map of their own, and the static prefixes that let any other path pass at once."""
        if self._router is None:
            rules = [rule for rule in self.app.url_map.iter_rules()
                     if rule.endpoint in self._endpoints]
            url_map = Map([rule.empty() for rule in rules],
                          converters=self.app.url_map.converters,
                          strict_slashes=self.app.url_map.strict_slashes,
                          merge_slashes=self.app.url_map.merge_slashes)
            prefixes = tuple({rule.rule.split("<", 1)[0] for rule in rules})
            self._router = (prefixes, url_map.bind("gate"))
        return self._router

    def _route(self, path: str) -> tuple[str, dict] | None:
        prefixes, adapter = self._routes()
        if not path.startswith(prefixes):
            return None
        try:
            return adapter.match(path, method="GET")
        except (HTTPException, RoutingException):  # not a live page (or a redirect): the app
            return None

    # ------------------------------------------------------------------------------- WSGI
    def __call__(self, environ, start_response):
        if self.feed is not None:
            self.feed.ensure_started()
        route = None
        if environ.get("REQUEST_METHOD") == "GET":
            route = self._route(environ.get("PATH_INFO", ""))
        if route is None:
            return self.wsgi_app(environ, start_response)
        endpoint, view_args = route
        if self.memo.live and not _asks_for_fresh(environ):
            answered = self._answer(endpoint, view_args, environ, start_response)
            if answered is not None:
                return answered
        return self._through(endpoint, environ, start_response)

    def _answer(self, endpoint, view_args, environ, start_response):
        revalidator = self._endpoints[endpoint]
        visit = self._visit(environ, view_args, staff=revalidator.staff)
        if visit is None:
            return None
        answer = revalidator.revalidate(visit)
        if answer is None:
            return None
        if _matches(environ.get("HTTP_IF_NONE_MATCH"), answer.etag):
            nonce = secrets.token_urlsafe(18)
            start_response("304 NOT MODIFIED", [
                ("ETag", f'W/"{answer.etag}"'), ("Vary", "Cookie, HX-Request"),
                *security.security_headers(nonce, html=True)])
            return [b""]
        page = self.memo.page(_page_key(endpoint, answer.representation, answer.etag,
                                        visit.stamp, visit.session))
        if page is None:
            return None
        nonce = secrets.token_urlsafe(18)
        body = page.body.replace(page.nonce.encode(), nonce.encode())
        headers = [(name, value.replace(page.nonce, nonce)) for name, value in page.headers]
        headers.append(("Content-Length", str(len(body))))
        start_response(page.status, headers)
        return [body]

    def _visit(self, environ, view_args: dict, *, staff: bool = False) -> Visit | None:
        """Who asks, when the app itself would take the cookie as a current sign-in of a
        customer (or with `staff`, of staff not previewing a customer); else None."""
        data = self._sessions.read(environ)
        if data is None or "_flashes" in data:
            return None
        token = sessions.parse_user_token(data.get(sessions.USER))
        if token is None:
            return None
        user_id, version = token
        at = now()
        timers = security.session_timers(self.app.config, data, at.timestamp(),
                                         background=_BACKGROUND_ENVIRON in environ)
        if timers is not sessions.Timers.CURRENT:
            return None  # ended, or the idle timer moves (a new cookie): the app answers
        browser = sessions.fingerprint(
            environ.get("HTTP_X_FORWARDED_FOR", environ.get("REMOTE_ADDR")),
            environ.get("HTTP_USER_AGENT"))
        if not sessions.fingerprint_may_stand(data, browser):
            return None  # Flask-Login would mark the session non-fresh (a cookie change)
        stamp = self.memo.user(user_id)
        if stamp is None or not stamp.active or stamp.session_version != version:
            return None
        if staff != stamp.is_staff or (not staff and stamp.organization_id is None):
            return None  # the page's own access check would refuse, or redirect
        if staff and sessions.PREVIEW in data:
            return None  # previewing a customer: the console says so on every page
        args = MultiDict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        wants_fragment = (environ.get("HTTP_HX_REQUEST") == "true"
                          and environ.get("HTTP_HX_BOOSTED") != "true")
        return Visit(stamp=stamp, session=data, view_args=view_args, args=args,
                     wants_fragment=wants_fragment, at=at, memo=self.memo,
                     config=self.app.config)

    # --------------------------------------------------------------------- pass-through
    def _through(self, endpoint, environ, start_response):
        captured: dict = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, capture)
        offer = environ.get(OFFER_KEY)
        if (offer is None or not captured.get("status", "").startswith("200")
                or any(name.lower() == "set-cookie" for name, _ in captured["headers"])):
            return result
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        tickets, representation, etag, nonce, stamp = offer
        data = self._sessions.read(environ)
        if data is not None and data.get("csrf_token"):
            headers = tuple((n, v) for n, v in captured["headers"]
                            if n.lower() != "content-length")
            self.memo.remember_page(tickets, _page_key(endpoint, representation, etag, stamp, data),
                                    CachedPage(captured["status"], headers, body, nonce))
        return [body]


def offer_page(environ, *, tickets, representation: tuple, etag: str, nonce: str,
               stamp: UserStamp) -> None:
    """A view says: the response to this request may be replayed for `representation`, to
    `stamp`'s user in this session, while the rows behind `tickets` are unchanged."""
    environ[OFFER_KEY] = (tickets, representation, etag, nonce, stamp)


def _page_key(endpoint: str, representation: tuple, etag: str, stamp: UserStamp,
              session: dict) -> tuple:
    """A rendered response is replayed only to the same user, unchanged (stamp), in the same
    session (its CSRF secret: the page carries a token signed for it)."""
    return (endpoint, representation, etag, stamp.token, _digest(session.get("csrf_token", "")))


def _asks_for_fresh(environ) -> bool:
    """A hard reload (Cache-Control: no-cache) is rendered by the app, never replayed."""
    return ("no-cache" in environ.get("HTTP_CACHE_CONTROL", "")
            or "no-cache" in environ.get("HTTP_PRAGMA", ""))


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/").strip('"') == etag:
            return True
    return False


class _SessionReader:
    """The Flask session in a cookie, verified as Flask verifies it, remembered by its exact
    bytes (the same bytes verify the same way; only its age moves, and is checked each time)."""

    def __init__(self, app: Flask):
        self.app = app
        self._verified: OrderedDict[str, tuple[dict, float]] = OrderedDict()
        self._lock = threading.Lock()

    def read(self, environ) -> dict | None:
        value = _cookie(environ.get("HTTP_COOKIE", ""), self.app.config["SESSION_COOKIE_NAME"])
        if not value:
            return None
        max_age = self.app.permanent_session_lifetime.total_seconds()
        known = self._verified.get(value)
        if known is None:
            serializer = self.app.session_interface.get_signing_serializer(self.app)
            try:
                data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
            except BadSignature:
                return None
            known = (data, signed_at.timestamp())
            with self._lock:
                self._verified[value] = known
                if len(self._verified) > SESSION_MEMO_SIZE:
                    self._verified.popitem(last=False)
        data, signed_at = known
        if now().timestamp() - signed_at > max_age:
            return None
        return data


_BACKGROUND_ENVIRON = "HTTP_" + sessions.BACKGROUND_HEADER.upper().replace("-", "_")


def _cookie(header: str, name: str) -> str | None:
    if name + "=" not in header:
        return None
    cookie = SimpleCookie()
    try:
        cookie.load(header)
    except Exception:  # noqa: BLE001  (a malformed header: let the app answer it)
        return None
    morsel = cookie.get(name)
    return morsel.value if morsel else None
