"""Errors for machines: RFC 9457 problem details (`application/problem+json`).

Everything under `/api/` answers its errors this way, never with an HTML page: the app's error
handlers (`portal.errors`) ask `wants_problem()` first. A refused operation becomes a 422 whose
`errors` list carries the same message the form shows, by the same field name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

from flask import Response, json, request

from portal.operations import OperationError

PROBLEM_JSON = "application/problem+json"
API_PREFIX = "/api/"


def wants_problem() -> bool:
    """Whether the current request is the API's (its errors are problem details)."""
    return request.path.startswith(API_PREFIX)


def problem(status: int, detail: str | None = None, *, title: str | None = None,
            type_: str = "about:blank", errors: Iterable[Mapping[str, str]] = (),
            headers: Mapping[str, str] | None = None, **extensions: Any) -> Response:
    """A problem details response. `title` defaults to the status's reason phrase (as RFC
    9457 asks for `about:blank`); `errors` lists `{"field": …, "detail": …}` per field."""
    body: dict[str, Any] = {"type": type_, "title": title or HTTPStatus(status).phrase,
                            "status": status}
    if detail:
        body["detail"] = detail
    errors = [dict(error) for error in errors]
    if errors:
        body["errors"] = errors
    body.update(extensions)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    response.headers.update(headers or {})
    return response


def refused(exc: OperationError) -> Response:
    """A refused operation: 422 with its message, beside its field when it names one."""
    detail = str(exc)
    errors = [{"field": exc.field, "detail": detail}] if exc.field else []
    return problem(422, detail, errors=errors)


def invalid_fields(messages: Mapping[str, Iterable[str] | str]) -> Response:
    """Input that failed validation: 422 with every message by its field."""
    errors = [{"field": field, "detail": message}
              for field, found in messages.items()
              for message in ([found] if isinstance(found, str) else found)]
    return problem(422, "Some fields cannot be accepted.", errors=errors)
