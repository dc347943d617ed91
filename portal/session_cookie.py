"""Flask's signed session cookie, verified once per exact cookie and then looked up.

Every signed-in request sends the same cookie until the session changes (the idle timer moves
at most once a minute: `portal.sessions`), and Flask verifies it from scratch each time: the
signing serializer built anew, an HMAC, base64, zlib and tagged JSON, some 190 function calls.
The same bytes under the same secret verify the same way, so a verified cookie is remembered by
the exact Cookie header that carried it (not even parsed again); only its age moves, and it is
checked on every request exactly as itsdangerous checks it (whole seconds of `time.time()`,
none in the future, at most the permanent session lifetime). A cookie that fails, or has
expired, goes through Flask's own path. Only flat sessions are remembered (every value a str,
number, bool or None: a signed-in session's usual contents), so each request gets a copy of its
own to change; a session holding anything else (flashed messages, a pending second factor) is
decoded each time as before.

Saving: a session neither changed nor due for a refresh sets no cookie; Flask still reads its
seven cookie settings first. Here such a session only adds `Vary: Cookie` when it was read, as
Flask does, and every other session is saved by Flask.
"""

from __future__ import annotations

import time

from flask.sessions import NullSession, SecureCookieSession, SecureCookieSessionInterface

from portal.security import add_vary, seconds

MEMO_SIZE = 4096
_FLAT = (str, int, float, bool, type(None))


class RememberingSessionInterface(SecureCookieSessionInterface):
    def __init__(self):
        # (secret key, cookie name, the request's whole Cookie header: the same header holds
        # the same session cookie) -> (the session's items, the cookie's signing time)
        self._verified: dict[tuple[str, str, str], tuple[dict, int]] = {}

    def open_session(self, app, request):
        config = app.config  # read directly: `app.secret_key` and the lifetime are its values
        secret = config["SECRET_KEY"]
        header = request.environ.get("HTTP_COOKIE") if secret else None
        if not header:
            return super().open_session(app, request)
        key = (secret, config["SESSION_COOKIE_NAME"], header)
        known = self._verified.get(key)
        if known is None:
            return self._verify(app, request, key)
        data, signed_at = known
        age = int(time.time()) - signed_at
        # `app.permanent_session_lifetime` is this value as a timedelta (seconds if a number)
        if 0 <= age <= int(seconds(config["PERMANENT_SESSION_LIFETIME"])):
            return self.session_class(data)
        return super().open_session(app, request)

    def is_null_session(self, obj) -> bool:
        """Flask's `isinstance(obj, null_session_class)`, answered at once for the session
        this interface opens (exactly Flask's cookie session class, which Flask's NullSession
        derives from, not the other way round) instead of through ABCMeta's instance check
        (a session is a mapping)."""
        if (type(obj) is SecureCookieSession and self.session_class is SecureCookieSession
                and self.null_session_class is NullSession):
            return False
        return super().is_null_session(obj)

    def save_session(self, app, session, response):
        if session and not session.modified and not (
                session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            if session.accessed:
                add_vary(response, "Cookie")
            return
        super().save_session(app, session, response)

    def _verify(self, app, request, key):
        value = request.cookies.get(key[1])
        if not value:
            return self.session_class()
        serializer = self.get_signing_serializer(app)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except Exception:  # noqa: BLE001  (Flask's own path answers: BadSignature, or raises)
            return super().open_session(app, request)
        if isinstance(data, dict) and all(type(item) in _FLAT for item in data.values()):
            if len(self._verified) >= MEMO_SIZE:
                self._verified.clear()
            self._verified[key] = (dict(data), int(signed_at.timestamp()))
        return self.session_class(data)

