"""Who is calling the API: the `Authorization: Bearer <token>` header, and nothing else.

Runs before every other request hook on `/api/v1/…` (before the tenancy decision): the token's
issuer becomes the request's user, so `portal.auth.request_scope` scopes the session exactly as
it would for that person signed in on the web. A session cookie is never consulted here, which
is why the API needs no CSRF token: a browser cannot send the bearer header by itself.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, g, request
from flask_login import AnonymousUserMixin

from portal.api.models import ApiToken
from portal.api.tokens import token_for_secret
from portal.clock import now
from portal.extensions import db
from portal.problems import problem
from portal.tenancy import unscoped

API_PREFIX = "/api/v1"
# The endpoints that need a token: the API blueprint's. The document describing the API and
# its reference page (other blueprints, under the same prefix) are public.
PROTECTED = "api."
# `last_used_at` is written at most this often per token (a write on every call would cost
# every GET a transaction).
LAST_USED_GRANULARITY = timedelta(minutes=1)


def current_token() -> ApiToken | None:
    return g.get("api_token")


def _refuse(detail: str):
    return problem(401, detail, headers={"WWW-Authenticate": 'Bearer realm="clearpath"'})


def authenticate():
    path = request.path
    if path != API_PREFIX and not path.startswith(API_PREFIX + "/"):
        return None
    if not (request.endpoint or "").startswith(PROTECTED):
        return None  # the document, the reference page, and a 404 for a path that is none
    g._login_user = AnonymousUserMixin()  # never the cookie's user (Flask-Login reads g first)
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return _refuse("Send an API token: Authorization: Bearer <token>.")
    session = db.session()
    at = now()
    with unscoped(session, "recognising an API token before anyone is known"):
        token = token_for_secret(secret.strip())
        user = token.created_by if token is not None else None
        if token is None or user is None or not user.active:
            return _refuse("This token is not valid.")
        if token.revoked_at is not None:
            return _refuse("This token was revoked.")
        if not token.usable_at(at):
            return _refuse("This token has expired.")
        if token.last_used_at is None or at - token.last_used_at >= LAST_USED_GRANULARITY:
            token.last_used_at = at
            session.commit()  # its own small transaction, before the request's
        g.api_token = token
        g._login_user = user
        # Every audit event this request writes names its token (portal.audit reads this).
        g.audit_detail = {"api_token_name": token.name, "api_token_prefix": token.prefix}
    return None


def init_app(app: Flask) -> None:
    # First of all hooks: the tenancy decision (portal.auth.request_scope) reads the user.
    app.before_request_funcs.setdefault(None, []).insert(0, authenticate)
