"""The Flask class the portal runs on: Flask, less a fixed cost on every request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Request
from flask.templating import Environment
from werkzeug.routing import MapAdapter

from portal.request_cycle import RequestCycle
from portal.responses import PortalResponse, Redirects
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


class PortalRequest(Request):
    """Flask's request, less two fixed costs Flask pays on every request.

    `blueprints` (asked by the before, after and teardown hooks: three times a request, four
    calls each) is the same list for the same matched rule, so it is remembered with the rule
    it was worked out from and worked out again if the rule is another. `close` (at teardown)
    closes uploaded files; without any it skips Werkzeug's walk over an empty mapping."""

    @property
    def blueprints(self) -> list[str]:
        rule = self.url_rule
        known = self.__dict__.get("_blueprints_of_rule")
        if known is not None and known[0] is rule:
            return known[1]
        names = super().blueprints
        self.__dict__["_blueprints_of_rule"] = (rule, names)
        return names

    def close(self) -> None:
        if self.__dict__.get("files"):
            super().close()


class PortalFlask(RequestCycle):
    """Flask asks `ensure_sync` about every request hook and the view on every request (an
    `inspect.iscoroutinefunction` each, a dozen per request); the answer for one function never
    changes, so it is remembered. Async functions are still wrapped, as Flask does.
    Its session cookie is verified once per exact cookie (`portal.session_cookie`); its
    responses' headers are not checked twice on the way out (`portal.responses`).

    Each request's URL adapter (Werkzeug's `bind_to_environ`: the host read and checked, the
    scheme, script name, path and query decoded, some 60 calls) is a pure function of ten
    environ values when routing is plain (no SERVER_NAME, trusted hosts, host or subdomain
    matching: the portal's configuration); it is remembered by those values. The adapter is
    never changed once made (Werkzeug's MapAdapter only reads its fields), so requests with the
    same values share one. Any other configuration is bound by Flask each time.

    Its redirects are Werkzeug's, remembered per location and code (`portal.responses`); its
    requests are `PortalRequest`s; its request cycle reads its contexts directly and sends no
    signal nobody listens to (`portal.request_cycle`)."""

    session_interface = RememberingSessionInterface()
    jinja_environment = PortalEnvironment
    response_class = PortalResponse
    request_class = PortalRequest

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._sync_functions: dict[Callable[..., Any], Callable[..., Any]] = {}
        self._url_adapters: dict[tuple, MapAdapter] = {}
        self._redirects = Redirects()

    def redirect(self, location: str, code: int = 302):
        return self._redirects.make(self.response_class, location, code, super().redirect)

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

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        if (request is None or request.trusted_hosts is not None
                or self.config["TRUSTED_HOSTS"] is not None
                or self.config["SERVER_NAME"] is not None
                or self.url_map.host_matching or self.subdomain_matching):
            return super().create_url_adapter(request)
        key = tuple(map(request.environ.get, _ADAPTER_ENVIRON))
        adapter = self._url_adapters.get(key)
        if adapter is None:
            adapter = super().create_url_adapter(request)  # checks the host: may raise
            if len(self._url_adapters) >= URL_ADAPTER_MEMO_SIZE:
                self._url_adapters.clear()
            self._url_adapters[key] = adapter
        return adapter


URL_ADAPTER_MEMO_SIZE = 512  # keys hold a request's path and query: kept few
# Every environ value `Map.bind_to_environ` (and the host check before it) reads.
_ADAPTER_ENVIRON = ("HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "wsgi.url_scheme",
                    "HTTP_CONNECTION", "HTTP_UPGRADE", "SCRIPT_NAME", "PATH_INFO",
                    "QUERY_STRING", "REQUEST_METHOD")
