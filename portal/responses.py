"""The response class the portal answers with: Flask's, its WSGI headers made without
checking again what was checked once.

Werkzeug hands every response's headers to the server through `get_wsgi_headers`, which first
copies them through `Headers(...)`: each header added again, its value converted and searched
for newlines (some 80 function calls for a dozen headers), although every value already passed
that check when it was added to the response; it then rewrites the Location header (a second
pass over all headers) even when the URI it computed is the one already there. Here the copy is
a copy of the checked list, and Location is rewritten only when its URI differs (or it is
repeated, which the rewrite collapses). Everything else is Werkzeug's, in Werkzeug's order.
"""

from __future__ import annotations

from functools import lru_cache, partial

from flask import Response
from werkzeug.datastructures import Headers
from werkzeug.http import remove_entity_headers
from werkzeug.urls import iri_to_uri
from werkzeug.wsgi import ClosingIterator


@lru_cache(maxsize=256)  # a pure function of one string; most redirects go to a few places
def _as_uri(location: str) -> str:
    return iri_to_uri(location)


class _BodyIterator(ClosingIterator):
    """Werkzeug's `ClosingIterator` over a response's body and its `close`, made without the
    generic constructor's checks and `typing.cast` (some ten calls a response): it iterates the
    same iterator and, on `close`, calls the body's own `close` (if any), then the response's."""

    def __init__(self, iterable, close):  # in place of the generic constructor, not after it
        self._next = partial(next, iter(iterable))
        iterable_close = getattr(iterable, "close", None)
        self._callbacks = [iterable_close, close] if iterable_close else [close]


class PortalResponse(Response):
    """Flask's response, made and handed to the server with less generic work.

    A view's body as a `str` with no headers, mimetype or content type of its own (what Flask's
    `make_response` makes of a rendered page, with or without a status) gets the same six
    fields Werkzeug's constructor gives it (the status cleaned, the default content type, the
    body encoded and measured into Content-Length) without going through the constructor's
    generic steps (some thirty calls a page): the status is cleaned once per value by Werkzeug
    itself and remembered, and the two header values are ones Werkzeug would accept. Anything
    else (bytes, an iterator, headers, another class default) is Werkzeug's constructor.
    tests/test_responses.py compares the two."""

    def __init__(self, response=None, status=None, headers=None, mimetype=None,
                 content_type=None, direct_passthrough=False):
        if (type(response) is not str or headers is not None or mimetype is not None
                or content_type is not None or direct_passthrough
                or not (status is None or type(status) is int or type(status) is str)
                or type(self).__dict__.get("_plain_body") is not True):
            super().__init__(response, status, headers, mimetype, content_type,
                             direct_passthrough)
            return
        try:
            cleaned = _CLEANED_STATUS[status]
        except KeyError:
            cleaned = _clean_status(self, status)
        body = response.encode()
        made = Headers()
        made._list.extend((("Content-Type", _HTML), ("Content-Length", str(len(body)))))
        self.headers = made
        self._status, self._status_code = cleaned
        self.direct_passthrough = False
        self._on_close = []
        self.response = [body]

    _plain_body = True  # this class's defaults are the ones the shortcut writes (a subclass
    # that changes none of them may set it too)

    def get_app_iter(self, environ):
        """Werkzeug's `get_app_iter`, its body iterator made by `_BodyIterator`."""
        status = self.status_code
        if environ["REQUEST_METHOD"] == "HEAD" or 100 <= status < 200 or status in (204, 304):
            iterable = ()
        elif self.direct_passthrough:
            return self.response
        else:
            iterable = self.iter_encoded()
        return _BodyIterator(iterable, self.close)

    def get_wsgi_headers(self, environ) -> Headers:
        if self.autocorrect_location_header:  # not Flask's default: Werkzeug's own path
            return super().get_wsgi_headers(environ)
        headers = Headers()
        headers._list.extend(self.headers._list)  # values checked as they were added
        location = content_location = content_length = None
        locations = 0
        for key, value in headers._list:
            if key[:1] not in "LlCc":  # none of the three: not even lowered
                continue
            ikey = key.lower()
            if ikey == "location":
                location, locations = value, locations + 1
            elif ikey == "content-location":
                content_location = value
            elif ikey == "content-length":
                content_length = value
        if location is not None:
            uri = _as_uri(location)
            if uri != location or locations > 1:
                headers["Location"] = uri
        if content_location is not None:
            headers["Content-Location"] = iri_to_uri(content_location)
        status = self.status_code
        if 100 <= status < 200 or status == 204:
            headers.remove("Content-Length")
        elif status == 304:
            remove_entity_headers(headers)
        if (self.automatically_set_content_length and content_length is None
                and status not in (204, 304) and not (100 <= status < 200)
                and self.is_sequence):
            headers["Content-Length"] = str(sum(len(x) for x in self.iter_encoded()))
        return headers


_HTML = "text/html; charset=utf-8"  # get_content_type("text/html", "utf-8"): checked by a test
_CLEANED_STATUS: dict = {}


def _clean_status(response, status) -> tuple[str, int]:
    """(status line, code) as Werkzeug cleans `status` (None: the default), remembered for
    the plain values views give (a code, a status line)."""
    cleaned = response._clean_status(response.default_status if status is None else status)
    if len(_CLEANED_STATUS) < 256:  # (None, an int or a str: what the constructor lets in)
        _CLEANED_STATUS[status] = cleaned
    return cleaned


class Redirects:
    """The app's redirect responses (`flask.redirect`), each made as Werkzeug makes it the
    first time and then from what that one was: the same status, headers and body for the same
    location and code.

    Werkzeug builds a redirect through the whole `Response` constructor (the status parsed, the
    content type worked out, the body set and measured, Location set through the header checks,
    the location escaped into the body: some fifty calls), and every value of it is a pure
    function of the location and the code. A remembered redirect is a new response of the same
    class holding the same six fields Werkzeug's constructor gives it, each mutable one (the
    header list, the body list, the close callbacks) its own. Only plain `str` locations are
    remembered (a `Markup` one is not escaped into the body), and only while the response
    holds exactly those fields (tests/test_responses.py compares the two)."""

    FIELDS = frozenset({"headers", "_status", "_status_code", "direct_passthrough", "_on_close",
                        "response"})
    SIZE = 256  # sign-in redirects carry the page asked for: kept few

    def __init__(self):
        self._made: dict[tuple[str, int], tuple] = {}

    def make(self, response_class, location, code: int, build):
        """`build(location, code)` (Werkzeug's redirect), or the same response again."""
        if type(location) is not str:
            return build(location, code)
        shape = self._made.get((location, code))
        if shape is None:
            response = build(location, code)
            fields = response.__dict__
            if (type(response) is response_class and fields.keys() == self.FIELDS
                    and type(fields["response"]) is list and not fields["_on_close"]
                    and not fields["direct_passthrough"]):
                if len(self._made) >= self.SIZE:
                    self._made.clear()
                self._made[(location, code)] = (
                    tuple(fields["headers"]._list), fields["_status"], fields["_status_code"],
                    tuple(fields["response"]))
            return response
        header_list, status, status_code, body = shape
        response = object.__new__(response_class)
        headers = Headers()
        headers._list.extend(header_list)
        response.__dict__.update(headers=headers, _status=status, _status_code=status_code,
                                 direct_passthrough=False, _on_close=[], response=list(body))
        return response
