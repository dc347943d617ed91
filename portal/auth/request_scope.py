"""Each request's tenancy decision (portal.tenancy), made from who is signed in.

Runs first on every request: load the signed-in user, then fix the session's scope. Staff
previewing the portal as a customer (portal.auth.preview) become that customer, read-only,
on customer pages.
"""

from __future__ import annotations

from flask import Flask, g, request
from flask.globals import _cv_app, _cv_request

from portal.auth.preview import identity_for_request, is_previewing
from portal.extensions import db
from portal.login import signed_in_user
from portal.tenancy import Scope, clear_scope, set_scope, unscoped

_DECIDED_BY = "tenancy_decided_by"  # on `g`: the request whose decision the session holds


def _decide_for_request() -> None:
    # `g` and the request without their proxies (a before-request hook: both are there)
    # (and `g`'s attributes in its own dict, where `g.name = ...` writes them)
    ctx, request_ctx = _cv_app.get(None), _cv_request.get(None)
    (ctx.g if ctx is not None else g._get_current_object()).__dict__[_DECIDED_BY] = (
        request_ctx.request if request_ctx is not None else request._get_current_object())
    session = db.session()
    with unscoped(session, "loading the signed-in user"):
        # Staff previewing the portal become the customer on customer pages (and only there).
        user = identity_for_request(signed_in_user())
    if not user.is_authenticated:
        set_scope(session, Scope.anonymous())
    elif user.is_staff:
        set_scope(session, Scope.unscoped("staff request"))
    else:
        set_scope(session, Scope.organization(user.organization_id, read_only=is_previewing()))


def _forget_decision(exc: BaseException | None = None) -> None:
    """Undo this request's decision, and only when the request tearing down is the one that
    made it: a request context pushed inside a job or inside a page (to build absolute URLs
    for an email) shares `g` with it and must leave its decision alone."""
    ctx, request_ctx = _cv_app.get(None), _cv_request.get(None)  # as in _decide_for_request
    request_globals = ctx.g if ctx is not None else g._get_current_object()
    this_request = (request_ctx.request if request_ctx is not None
                    else request._get_current_object())
    decided = request_globals.__dict__
    if decided.get(_DECIDED_BY) is this_request:
        del decided[_DECIDED_BY]
        clear_scope(db.session())


def init_app(app: Flask) -> None:
    # Registered before every other request hook that could touch the database.
    app.before_request_funcs.setdefault(None, []).insert(0, _decide_for_request)
    app.teardown_request(_forget_decision)
