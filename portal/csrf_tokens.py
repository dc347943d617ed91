"""Flask-WTF's CSRF token for a page, signed once a minute rather than on every render.

A form's hidden field (and `csrf_token()` in templates) carries the session's raw token signed
with a timestamp (`flask_wtf.csrf.generate_csrf`: a serializer built anew, an HMAC, base64:
some 210 function calls per page). The signature proves the token came from this app for this
session's raw token; its timestamp only matters under a time limit, and the portal sets none
(`WTF_CSRF_TIME_LIMIT = None`: a token lives as long as its session). So a token signed for the
same secret and the same raw token in the last minute is handed out again: it is exactly as
valid, and as bound to the session, as a new one. Validation is Flask-WTF's, unchanged (its
check before each request is skipped only for the methods it does not check).
"""

from __future__ import annotations

import time
from functools import partial

from flask import current_app, g, session
from flask.globals import _cv_request
from flask_wtf import csrf as flask_wtf_csrf

REUSE_SECONDS = 60
MEMO_SIZE = 4096

# (secret, the session's raw token) -> (the signed token, when it was signed: monotonic)
_signed: dict[tuple[str, str], tuple[str, float]] = {}


def generate_csrf(secret_key=None, token_key=None) -> str:
    """`flask_wtf.csrf.generate_csrf`, the same token for a request, reused for a minute."""
    app = current_app._get_current_object()
    name = token_key or app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    request_globals = g._get_current_object()
    if name in request_globals:
        return getattr(request_globals, name)
    secret = secret_key or app.config.get("WTF_CSRF_SECRET_KEY", app.secret_key)
    raw = session.get(name) if secret and name else None
    if isinstance(raw, str):
        known = _signed.get((secret, raw))
        if known is not None and time.monotonic() - known[1] < REUSE_SECONDS:
            setattr(request_globals, name, known[0])
            return known[0]
    token = flask_wtf_csrf.generate_csrf(secret_key, token_key)
    raw = session.get(name)
    if isinstance(raw, str) and isinstance(secret, str | bytes):
        if len(_signed) >= MEMO_SIZE:
            _signed.clear()
        _signed[(secret, raw)] = (token, time.monotonic())
    return token


class ReusedTokenCSRF(flask_wtf_csrf._FlaskFormCSRF):
    """Flask-WTF's form CSRF, its token from `generate_csrf` above."""

    def generate_csrf_token(self, csrf_token_field):
        return generate_csrf(secret_key=self.meta.csrf_secret,
                             token_key=self.meta.csrf_field_name)


def init_app(app) -> None:
    """After `csrf.init_app(app)`: templates' `csrf_token()` uses the same tokens (Flask-WTF
    puts its own in the Jinja globals and, through a context processor, in every context)."""
    app.jinja_env.globals["csrf_token"] = generate_csrf
    context = {"csrf_token": generate_csrf, "csrf_meta_tag": flask_wtf_csrf.csrf_meta_tag}
    processors = app.template_context_processors[None]
    for index, processor in enumerate(processors):
        if processor.__module__ == flask_wtf_csrf.__name__:
            processors[index] = lambda: context
            break
    else:
        raise RuntimeError("Flask-WTF's context processor was not found: has it changed?")
    hooks = app.before_request_funcs[None]
    for index, hook in enumerate(hooks):
        if hook.__qualname__ == "CSRFProtect.init_app.<locals>.csrf_protect":
            hooks[index] = partial(_check_methods_it_checks, hook)
            break
    else:
        raise RuntimeError("Flask-WTF's CSRF check was not found: has it changed?")


def _check_methods_it_checks(check) -> None:
    """Flask-WTF's check looks up the view's exemptions, then returns for any method but
    WTF_CSRF_METHODS; those requests (GET, HEAD, OPTIONS) skip the lookup. (The request and
    the app read from the request context once: two proxy lookups are eight calls.)"""
    ctx = _cv_request.get(None)
    if ctx is None or ctx.request.method in ctx.app.config["WTF_CSRF_METHODS"]:
        check()
