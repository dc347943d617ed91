"""The Flask class the portal runs on: Flask, less a fixed cost on every request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.templating import Environment

from portal.session_cookie import RememberingSessionInterface


class PortalEnvironment(Environment):
    """Flask's Jinja environment, its templates reading the environment's globals directly.

    Jinja gives each template a ChainMap of the template's own globals over the environment's,
    and every render copies it into the render's context key by key through Python (two calls
    per global, on every render). A template loaded without globals of its own (Flask and the
    portal pass none) gets the environment's dict itself, which the copy reads in C; a global
    added to the environment later is seen, as through the ChainMap. (Jinja changes a
    template's globals only when one is loaded again with globals of its own.)"""

    def make_globals(self, d):
        return self.globals if not d else super().make_globals(d)


class PortalFlask(Flask):
    """Flask asks `ensure_sync` about every request hook and the view on every request (an
    `inspect.iscoroutinefunction` each, a dozen per request); the answer for one function never
    changes, so it is remembered. Async functions are still wrapped, as Flask does.
    Its session cookie is verified once per exact cookie (`portal.session_cookie`)."""

    session_interface = RememberingSessionInterface()
    jinja_environment = PortalEnvironment

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._sync_functions: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        try:
            return self._sync_functions[func]
        except KeyError:
            pass
        except TypeError:  # a callable that cannot be hashed: ask each time
            return super().ensure_sync(func)
        made = super().ensure_sync(func)
        if len(self._sync_functions) < 4096:  # hooks and views: a bounded set
            self._sync_functions[func] = made
        return made
