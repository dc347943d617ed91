"""The `Link` header of a paged list (RFC 8288): the same query, with the next cursor."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import request


def link_header(next_cursor: str) -> str:
    args = [(key, value) for key, value in request.args.items(multi=True) if key != "cursor"]
    args.append(("cursor", next_cursor))
    return f'<{request.base_url}?{urlencode(args)}>; rel="next"'
