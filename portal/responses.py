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


class Pages:
    """An HTML page (a view's `str` body and status) as a response: what Flask's
    `make_response` makes of the view's `(body, status)`, made from the shape Werkzeug gave
    the first such response.

    Flask turns a returned string into a response through the whole `Response` constructor
    (the status parsed, the mimetype and charset worked out, Content-Type set through the
    header checks, the body encoded, set and measured, Content-Length set): some forty calls.
    For a plain `str` body every field is a pure function of the status (the Content-Type and
    the status line) and of the encoded body (itself and its length): a remembered page is a
    new response of the same class holding the same six fields, its header list, body list
    and close callbacks its own. Only while Werkzeug's response holds exactly those fields
    and headers (tests/test_responses.py compares the two)."""

    FIELDS = Redirects.FIELDS

    def __init__(self):
        self._shapes: dict[tuple[type, int], tuple[tuple[str, str], str]] = {}

    def make(self, response_class, body: str, status: int = 200):
        """`response_class(body, status=status)`, or the same response made from its shape."""
        shape = self._shapes.get((response_class, status))
        if shape is None:
            response = response_class(body, status=status)
            fields = response.__dict__
            data = body.encode()
            if (type(response) is response_class and fields.keys() == self.FIELDS
                    and fields["response"] == [data] and not fields["_on_close"]
                    and not fields["direct_passthrough"] and fields["_status_code"] == status
                    and len(fields["headers"]._list) == 2
                    and fields["headers"]._list[1] == ("Content-Length", str(len(data)))
                    and fields["headers"]._list[0][0] == "Content-Type"):
                self._shapes[(response_class, status)] = (fields["headers"]._list[0],
                                                          fields["_status"])
            return response
        content_type, status_line = shape
        data = body.encode()
        response = object.__new__(response_class)
        headers = Headers()
        headers._list.extend((content_type, ("Content-Length", str(len(data)))))
        response.__dict__.update(headers=headers, _status=status_line, _status_code=status,
                                 direct_passthrough=False, _on_close=[], response=[data])
        return response


pages = Pages()  # a process's pages: one shape per response class and status
