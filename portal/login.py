"""Flask-Login's loading of the signed-in user, less its proxies and its unheard signals.

Every request loads its user once (`LoginManager._load_user`: the `user_accessed` signal, the
session protection check, the user loader, then `g._login_user`), and asks for it through
`current_user` (a proxy over `flask_login.utils._get_user`). Flask-Login reads the request,
the session, the app and `g` through Flask's proxies (four calls a lookup, some twenty
lookups) and sends `user_accessed` to nobody (the portal connects no receiver). Here the
same steps read the request context directly, and a signal is sent only when something
listens, with what Flask-Login sends.

This copies Flask-Login 0.6.3's `_load_user`, `_session_protection_failed`,
`_update_request_context_with_user`, `_get_user` and `login_required`:
tests/test_user_loading.py runs the same requests (signed in, another browser in basic and
strong protection, anonymous, remember cookie, request loader, preview; a guarded view
asked by every method, signed in or not, with logins disabled) through Flask-Login's own
methods and these and compares the user, the session, the answers and the signals; it also
holds the source of Flask-Login's methods to the version this copies, so an upgrade is
noticed.
"""

from __future__ import annotations

from functools import wraps

from flask.globals import _cv_app, _cv_request
from flask_login import LoginManager, current_user
from flask_login import login_required as flask_login_required
from flask_login.config import AUTH_HEADER_NAME, COOKIE_NAME, EXEMPT_METHODS, SESSION_KEYS
from flask_login.signals import session_protected, user_accessed


class PortalLoginManager(LoginManager):
    def _load_user(self):
        ctx = _cv_request.get(None)
        if ctx is None or (self._user_callback is None and self._request_callback is None):
            return super()._load_user()  # outside a request, or no loader: Flask-Login's error
        app = ctx.app
        if user_accessed.receivers:
            user_accessed.send(app)
        if self._session_protection_failed():
            return self._update_request_context_with_user()
        user = None
        user_id = ctx.session.get("_user_id")
        if user_id is not None and self._user_callback is not None:
            user = self._user_callback(user_id)
        if user is None:
            request = ctx.request
            config = app.config
            cookie_name = config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)
            header_name = config.get("AUTH_HEADER_NAME", AUTH_HEADER_NAME)
            has_cookie = (cookie_name in request.cookies
                          and ctx.session.get("_remember") != "clear")
            if has_cookie:
                cookie = request.cookies[cookie_name]
                user = self._load_user_from_remember_cookie(cookie)
            elif self._request_callback:
                user = self._load_user_from_request(request)
            elif header_name in request.headers:
                header = request.headers[header_name]
                user = self._load_user_from_header(header)
        return self._update_request_context_with_user(user)

    def _session_protection_failed(self):
        ctx = _cv_request.get(None)
        if ctx is None:
            return super()._session_protection_failed()
        sess = ctx.session
        ident = self._session_identifier_generator()
        app = ctx.app
        mode = app.config.get("SESSION_PROTECTION", self.session_protection)
        if not mode or mode not in ["basic", "strong"]:
            return False
        if sess and ident != sess.get("_id", None):
            if mode == "basic" or sess.permanent:
                if sess.get("_fresh") is not False:
                    sess["_fresh"] = False
                session_protected.send(app)
                return False
            elif mode == "strong":
                for k in SESSION_KEYS:
                    sess.pop(k, None)
                sess["_remember"] = "clear"
                session_protected.send(app)
                return True
        return False

    def _update_request_context_with_user(self, user=None):
        ctx = _cv_app.get(None)
        if ctx is None:
            return super()._update_request_context_with_user(user)
        if user is None:
            user = self.anonymous_user()
        ctx.g.__dict__["_login_user"] = user  # where `g._login_user = user` puts it
        return None


def signed_in_user():
    """`current_user._get_current_object()`: the request's user, loaded on first ask."""
    ctx = _cv_request.get(None)
    if ctx is None:
        return current_user._get_current_object()
    # A request context always has its app context; `g`'s attributes live in its dict.
    request_globals = _cv_app.get().g.__dict__
    if "_login_user" not in request_globals:
        ctx.app.login_manager._load_user()
    return request_globals["_login_user"]


def login_required(func):
    """Flask-Login's `login_required` (0.6.3), its request, app and user read without
    proxies (some twenty calls on every signed-in page): an exempt method (OPTIONS) or
    LOGIN_DISABLED passes, anyone not signed in gets the login manager's `unauthorized()`,
    anyone else the view, through `ensure_sync` as Flask-Login calls it. Outside a request
    it is Flask-Login's own (which fails there as it always has)."""
    guarded = flask_login_required(func)

    @wraps(func)
    def decorated_view(*args, **kwargs):
        ctx = _cv_request.get(None)
        if ctx is None:
            return guarded(*args, **kwargs)
        app = ctx.app
        if ctx.request.method in EXEMPT_METHODS or app.config.get("LOGIN_DISABLED"):
            pass
        elif not signed_in_user().is_authenticated:
            return app.login_manager.unauthorized()
        return app.ensure_sync(func)(*args, **kwargs)

    return decorated_view
