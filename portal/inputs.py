"""What the request may carry into a query: numbers the database can hold, text it can store.

Python's integers are unbounded and its strings hold any code point; the databases are not so
forgiving. An id past a 32-bit column, a page whose offset overflows, a NUL byte (PostgreSQL
refuses it in text) or a lone surrogate (not encodable as UTF-8) turns a user's typo into a
500. These helpers say no at the edge, as a 404 for a thing that cannot exist and a 422 for
text that cannot be kept, so no query ever sees such a value.
"""

from __future__ import annotations

import re

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

#: The largest id any of our integer primary keys can hold (PostgreSQL `integer`).
MAX_ID = 2**31 - 1
#: No listing has this many pages; anything beyond is a made-up URL, answered 404.
MAX_PAGE = 100_000
#: Characters no text column can store: NUL (PostgreSQL) and lone surrogates (UTF-8).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_MESSAGE = "This contains characters that cannot be saved (such as a NUL byte)."


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in any route: an id past MAX_ID matches no route (404), never a query."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def is_storable_id(value: int | None) -> bool:
    return value is not None and 0 < value <= MAX_ID


def bounded_int(text: str | None, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """An ASCII decimal within [low, high], else None (no ValueError for 5,000 digits)."""
    if text is None:
        return None
    text = text.strip()
    if not text or len(text) > 12 or not text.isascii() or not text.lstrip("-").isdigit():
        return None
    number = int(text)
    return number if low <= number <= high else None


def choice_id(value) -> int | None:
    """A select's id as a form posted it: None when blank, the id when a row could have it,
    else -1 — no row has that, so the operation refuses it beside the field — never a number
    the database cannot hold (PostgreSQL answers an out-of-range integer with an error)."""
    if value in (None, "", "None"):
        return None
    number = bounded_int(str(value), low=1)
    return -1 if number is None else number


def page_arg(name: str = "page") -> int:
    """The `?page=` of a listing: missing or malformed is page 1, out of range is 404."""
    raw = request.args.get(name)
    if raw is None or not raw.strip():
        return 1
    page = bounded_int(raw, low=1, high=MAX_PAGE)
    if page is None:
        abort(404)
    return page


def is_storable(text: str) -> bool:
    return UNSTORABLE.search(text) is None


def _refuse_unstorable_query() -> None:
    """A query string with a NUL byte is a crafted URL, not a search: 422 before any view.
    Without a query string there are no arguments to parse."""
    if not request.environ.get("QUERY_STRING"):
        return
    for values in request.args.listvalues():
        for value in values:
            if not is_storable(value):
                abort(422)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(_refuse_unstorable_query)


def asked_filters(leave_out: tuple[str, ...] = ("page",)) -> dict[str, str]:
    """The request's non-empty query arguments but `leave_out`: the filters a list was asked
    for, to repeat in its page links, its export link and the export's audit event."""
    return {key: value for key, value in request.args.items()
            if key not in leave_out and value}
