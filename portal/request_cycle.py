"""Flask's request cycle (dispatch, hooks, teardown), less what it pays on every request for
nothing: the same steps in the same order, with the same arguments and results.

Flask's `full_dispatch_request`, `dispatch_request`, `finalize_request`, `preprocess_request`,
`process_response`, `do_teardown_request` and `do_teardown_appcontext` each read the request
context through a proxy (four calls a lookup), ask `ensure_sync` about every hook and the view
(a method call each, even when its answer is remembered: `PortalFlask.ensure_sync`), and send
four signals (`request_started`, `request_finished`, `request_tearing_down`,
`appcontext_tearing_down`) whose `send` walks an empty receiver list when nobody listens (the
portal connects none); so does the app context's push and pop (`appcontext_pushed`,
`appcontext_popped`). Here the context is read once from its context variable, a remembered
`ensure_sync` answer is a dictionary lookup, and a signal is sent only when it has receivers;
a connected receiver gets exactly what Flask sends it.

This copies Flask 3.1's code for those methods, and `AppContext.push` and `pop`:
tests/test_request_cycle.py runs the same requests (blueprint and app hooks,
`after_this_request`, url value preprocessors, a hook that answers, errors, connected
signals) through Flask's own methods and these, and compares what each hook saw and
returned, in order; it also holds the source of Flask's methods to the version this copies,
so an upgrade is noticed.
"""

from __future__ import annotations

import sys
from itertools import chain
from typing import Any

from flask import Flask
from flask.ctx import AppContext
from flask.globals import _cv_app, _cv_request
from flask.sansio.scaffold import _sentinel
from flask.signals import (
    appcontext_popped,
    appcontext_pushed,
    appcontext_tearing_down,
    request_finished,
    request_started,
    request_tearing_down,
)


class SilentAppContext(AppContext):
    """Flask's app context, its `appcontext_pushed` and `appcontext_popped` sent only when
    something listens (with what Flask sends them); otherwise Flask 3.1's `push` and `pop`."""

    def push(self) -> None:
        self._cv_tokens.append(_cv_app.set(self))
        if appcontext_pushed.receivers:
            appcontext_pushed.send(self.app, _async_wrapper=self.app.ensure_sync)

    def pop(self, exc: BaseException | None = _sentinel) -> None:  # type: ignore[assignment]
        try:
            if len(self._cv_tokens) == 1:
                if exc is _sentinel:
                    exc = sys.exc_info()[1]
                self.app.do_teardown_appcontext(exc)
        finally:
            ctx = _cv_app.get()
            _cv_app.reset(self._cv_tokens.pop())
        if ctx is not self:
            raise AssertionError(
                f"Popped wrong app context. ({ctx!r} instead of {self!r})"
            )
        if appcontext_popped.receivers:
            appcontext_popped.send(self.app, _async_wrapper=self.app.ensure_sync)


class RequestCycle(Flask):
    """Mixed in before Flask (`PortalFlask`); needs `self._sync_functions`, the remembered
    `ensure_sync` answers."""

    _sync_functions: dict

    def app_context(self) -> AppContext:
        return SilentAppContext(self)

    def _sync(self, func):
        try:
            return self._sync_functions[func]
        except (KeyError, TypeError):  # not yet asked, or not hashable: Flask's answer
            return self.ensure_sync(func)

    def full_dispatch_request(self):
        self._got_first_request = True
        try:
            if request_started.receivers:
                request_started.send(self, _async_wrapper=self.ensure_sync)
            rv = self.preprocess_request()
            if rv is None:
                rv = self.dispatch_request()
        except Exception as e:
            rv = self.handle_user_exception(e)
        return self.finalize_request(rv)

    def finalize_request(self, rv, from_error_handler: bool = False):
        response = self.make_response(rv)
        try:
            response = self.process_response(response)
            if request_finished.receivers:
                request_finished.send(self, _async_wrapper=self.ensure_sync, response=response)
        except Exception:
            if not from_error_handler:
                raise
            self.logger.exception(
                "Request finalizing failed with an error while handling an error"
            )
        return response

    def dispatch_request(self):
        ctx = _cv_request.get(None)
        if ctx is None:  # outside a request: Flask's own error
            return super().dispatch_request()
        req = ctx.request
        if req.routing_exception is not None:
            self.raise_routing_exception(req)
        rule = req.url_rule
        if getattr(rule, "provide_automatic_options", False) and req.method == "OPTIONS":
            return self.make_default_options_response()
        return self._sync(self.view_functions[rule.endpoint])(**req.view_args)

    def preprocess_request(self):
        ctx = _cv_request.get(None)
        if ctx is None:
            return super().preprocess_request()
        req = ctx.request
        names = (None, *reversed(req.blueprints))
        preprocessors = self.url_value_preprocessors
        for name in names:
            if name in preprocessors:
                for url_func in preprocessors[name]:
                    url_func(req.endpoint, req.view_args)
        hooks = self.before_request_funcs
        for name in names:
            if name in hooks:
                for before_func in hooks[name]:
                    rv = self._sync(before_func)()
                    if rv is not None:
                        return rv
        return None

    def process_response(self, response):
        ctx = _cv_request.get(None)
        if ctx is None:
            return super().process_response(response)
        for func in ctx._after_request_functions:
            response = self._sync(func)(response)
        hooks = self.after_request_funcs
        for name in chain(ctx.request.blueprints, (None,)):
            if name in hooks:
                for func in reversed(hooks[name]):
                    response = self._sync(func)(response)
        if not self.session_interface.is_null_session(ctx._session):
            self.session_interface.save_session(self, ctx._session, response)
        return response

    def do_teardown_request(self, exc: Any = _sentinel) -> None:
        ctx = _cv_request.get(None)
        if ctx is None:
            return super().do_teardown_request(exc)
        if exc is _sentinel:
            exc = sys.exc_info()[1]
        hooks = self.teardown_request_funcs
        for name in chain(ctx.request.blueprints, (None,)):
            if name in hooks:
                for func in reversed(hooks[name]):
                    self._sync(func)(exc)
        if request_tearing_down.receivers:
            request_tearing_down.send(self, _async_wrapper=self.ensure_sync, exc=exc)
        return None

    def do_teardown_appcontext(self, exc: Any = _sentinel) -> None:
        if exc is _sentinel:
            exc = sys.exc_info()[1]
        for func in reversed(self.teardown_appcontext_funcs):
            self._sync(func)(exc)
        if appcontext_tearing_down.receivers:
            appcontext_tearing_down.send(self, _async_wrapper=self.ensure_sync, exc=exc)
