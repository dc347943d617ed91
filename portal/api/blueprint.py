"""The `/api/v1` blueprint and what every one of its requests shares.

* Scopes: each view names the scope it needs (`needs`); the token's issuer's own permissions
  are asked by the operations, as on the web.
* Writes: views call operations and never commit; `_finish` commits a successful write once
  (with its Idempotency-Key record), and rolls back anything else.
* Refusals: an `OperationError` or an illegal transition is a 422 problem with the form's
  message by its field; a PermissionError a 403; bad input a 422 with every field's message.
* Rate limits: per token (Flask-Limiter), `API_RATE_LIMIT`.
"""

from __future__ import annotations

from functools import wraps

from flask import Response, current_app, g, request
from flask_login import current_user
from flask_smorest import Blueprint
from werkzeug.exceptions import UnprocessableEntity

from portal.api import idempotency
from portal.api.authentication import API_PREFIX
from portal.escalations.workflow import IllegalTransition
from portal.extensions import csrf, db, limiter
from portal.inputs import UNSTORABLE_MESSAGE, is_storable
from portal.operations import OperationError
from portal.permissions import Capability, can
from portal.problems import invalid_fields, problem, refused

bp = Blueprint("api", __name__, url_prefix=API_PREFIX,
               description="Clearpath's REST API: escalations, their timeline and plan.")
csrf.exempt(bp)  # bearer tokens only (portal.api.authentication): no cookie, no CSRF

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Refusal(Exception):
    """Raised by a view to answer with a problem: views under `@bp.etag` cannot return one
    (the ETag is made from the schema's dump)."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status, self.detail = status, detail


def needs(scope: str, capability: Capability | None = None):
    """View decorator: 403 unless the calling token carries `scope` and, when named, its
    issuer's role grants `capability` (the console's own check for the same control)."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if scope not in (g.api_token.scopes or []):
                raise Refusal(403, f"This token's scopes do not include {scope!r}.")
            if capability is not None and not can(current_user, capability):
                raise Refusal(403, "Your role does not allow this.")
            return view(*args, **kwargs)

        wrapped._api_scope = scope
        return wrapped

    return decorate


def _token_key() -> str:
    token = g.get("api_token")
    return f"api-token:{token.id}" if token is not None else f"api-anonymous:{request.remote_addr}"


limiter.limit(lambda: current_app.config.get("API_RATE_LIMIT", "600 per minute"),
              key_func=_token_key)(bp)


def _unstorable(value, path: str = "") -> str | None:
    """The first field of a JSON body holding text no column can store (a NUL byte, a lone
    surrogate), by its dotted name; None when every string is storable."""
    if isinstance(value, str):
        return None if is_storable(value) else (path or "body")
    items = value.items() if isinstance(value, dict) else (
        enumerate(value) if isinstance(value, list) else ())
    for key, item in items:
        found = _unstorable(item, f"{path}.{key}" if path else str(key))
        if found:
            return found
    return None


@bp.before_request
def _start():
    if request.is_json and request.method in WRITES:
        field = _unstorable(request.get_json(silent=True))
        if field:
            return invalid_fields({field: UNSTORABLE_MESSAGE})
    if request.method == "POST" and "Idempotency-Key" in request.headers:
        return idempotency.begin(g.api_token, request.headers["Idempotency-Key"])
    return None


@bp.after_request
def _finish(response: Response) -> Response:
    if request.method not in WRITES:
        return response
    if response.status_code >= 400:
        db.session.rollback()
        return response
    replay = idempotency.finish(response)
    if replay is not None:
        return replay
    return response


@bp.errorhandler(OperationError)
@bp.errorhandler(IllegalTransition)
def _refused(exc: Exception):
    db.session.rollback()  # nothing of a refused change stays behind
    if isinstance(exc, IllegalTransition):
        exc = OperationError(str(exc), getattr(exc, "field", None))
    return refused(exc)


@bp.errorhandler(Refusal)
def _refusal(exc: Refusal):
    db.session.rollback()
    return problem(exc.status, exc.detail)


@bp.errorhandler(PermissionError)
def _forbidden(exc: PermissionError):
    db.session.rollback()
    return problem(403, "You may not do this.")


@bp.errorhandler(UnprocessableEntity)
def _invalid(exc: UnprocessableEntity):
    """webargs' validation errors: {"json": {"field": ["message"]}} → one entry per field."""
    db.session.rollback()
    messages = (getattr(exc, "data", None) or {}).get("messages") or {}
    flat: dict[str, list[str]] = {}
    for location in messages.values():
        for field, found in (location or {}).items():
            flat[field] = _strings(found)
    return invalid_fields(flat) if flat else problem(422, str(exc.description))


def _strings(found) -> list[str]:
    if isinstance(found, str):
        return [found]
    if isinstance(found, dict):  # nested: flatten one level
        return [message for value in found.values() for message in _strings(value)]
    return [str(message) for message in found]
