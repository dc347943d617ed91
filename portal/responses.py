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

from functools import lru_cache

from flask import Response
from werkzeug.datastructures import Headers
from werkzeug.http import remove_entity_headers
from werkzeug.urls import iri_to_uri


@lru_cache(maxsize=256)  # a pure function of one string; most redirects go to a few places
def _as_uri(location: str) -> str:
    return iri_to_uri(location)


class PortalResponse(Response):
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
