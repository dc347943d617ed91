"""Flask-Limiter's request hooks, asked only where a limit can apply.

Flask-Limiter checks every request before its view (application, default and blueprint
limits), then adds headers after it and clears its state at teardown: some 350 function calls
on every request, on the many routes no limit names. A view's own `@limiter.limit` is checked
by its decorator, not by these hooks. So the hooks run as Flask-Limiter runs them, unless:

* before the view: no application, default, meta or fallback limit is configured, the request's
  blueprint (nor any ancestor) has no limit, and the endpoint has no hint (a limited callable
  that is not a view, recorded when it first ran); then there is nothing for it to check;
* after the view and at teardown: nothing of Flask-Limiter's ran in this request (its state is
  made on first use), so there is no header to add, no deduction to make, nothing to clear.
"""

from __future__ import annotations

from functools import partial

from flask import Flask, request
from flask.globals import _cv_request
from flask_limiter import Limiter

_STATE = "_limiter_request_context"  # where Flask-Limiter keeps a request's state


def init_app(app: Flask, limiter: Limiter) -> None:
    """Call after `limiter.init_app(app)`: swap its three hooks for gated ones."""
    check = limiter._check_request_limit
    _swap(app.before_request_funcs, lambda hook: hook == check,
          lambda hook: partial(_check_where_limited, limiter, hook))
    inject = Limiter._Limiter__inject_headers  # registered as partial(inject, limiter)
    _swap(app.after_request_funcs,
          lambda hook: isinstance(hook, partial) and hook.func is inject
          and hook.args == (limiter,),
          lambda hook: partial(_once_limiter_ran, hook))
    release = limiter._Limiter__release_context
    _swap(app.teardown_request_funcs, lambda hook: hook == release,
          lambda hook: partial(_once_limiter_ran, hook))


def _swap(funcs: dict, matches, gated) -> None:
    hooks = funcs.get(None, [])
    for index, hook in enumerate(hooks):
        if matches(hook):
            hooks[index] = gated(hook)
            return
    raise RuntimeError("a Flask-Limiter request hook was not found: has Flask-Limiter changed?")


def _check_where_limited(limiter: Limiter, check) -> None:
    asked = request._get_current_object()
    if may_limit_here(limiter, asked.endpoint, asked.blueprint):
        check()


def may_limit_here(limiter: Limiter, endpoint: str | None, blueprint: str | None) -> bool:
    """Whether Flask-Limiter's before-request check could find a limit for this request."""
    manager = limiter.limit_manager
    if (manager._application_limits or manager._default_limits or limiter._meta_limits
            or limiter._in_memory_fallback):
        return True
    if endpoint and manager.has_hints(endpoint):
        return True
    limited = manager._blueprint_limits
    return bool(blueprint and limited and not limited.keys().isdisjoint(blueprint.split(".")))


def _once_limiter_ran(hook, value):
    """An after-request hook (returns the response) or a teardown one (returns nothing, unused)
    that runs only when Flask-Limiter made its state in this request."""
    ctx = _cv_request.get(None)
    if ctx is not None and not hasattr(ctx, _STATE):
        return value
    return hook(value)
