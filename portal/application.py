"""The Flask class the portal runs on: Flask, less a fixed cost on every request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from portal.responses import PortalResponse
from portal.session_cookie import RememberingSessionInterface


class PortalFlask(Flask):
    """Flask asks `ensure_sync` about every request hook and the view on every request (an
    `inspect.iscoroutinefunction` each, a dozen per request); the answer for one function never
    changes, so it is remembered. Async functions are still wrapped, as Flask does.
    Its session cookie is verified once per exact cookie (`portal.session_cookie`); its
    responses' headers are not checked twice on the way out (`portal.responses`)."""

    session_interface = RememberingSessionInterface()
    response_class = PortalResponse

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
