"""Flask-Login's remember-me cookie hook, asked only when it has something to do.

After every request Flask-Login looks at the session for a pending remember-me operation (set
on sign-in with `remember=True`, cleared on sign-out when the browser sent such a cookie),
or, with REMEMBER_COOKIE_REFRESH_EACH_REQUEST, refreshes the cookie: some 16 function calls
through the `session` and `current_app` proxies. The portal signs in without remember-me, so on
nearly every request there is neither; the hook then runs only when there is (its own logic,
unchanged).
"""

from __future__ import annotations

from functools import partial

from flask import Flask
from flask.globals import _cv_request
from flask_login import LoginManager

_PENDING = "_remember"  # Flask-Login's session key for a pending remember-me operation


def init_app(app: Flask, login_manager: LoginManager) -> None:
    """Call after `login_manager.init_app(app)`: its after-request hook becomes a gated one."""
    hooks = app.after_request_funcs.get(None, [])
    for index, hook in enumerate(hooks):
        if hook == login_manager._update_remember_cookie:
            hooks[index] = partial(_when_pending, hook)
            return
    raise RuntimeError("Flask-Login's remember-me hook was not found: has Flask-Login changed?")


def _when_pending(hook, response):
    ctx = _cv_request.get(None)
    if (ctx is not None and _PENDING not in ctx.session
            and not ctx.app.config.get("REMEMBER_COOKIE_REFRESH_EACH_REQUEST")):
        return response
    return hook(response)
