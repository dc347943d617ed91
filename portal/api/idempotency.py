"""POSTs with an `Idempotency-Key`: a replay (same key, same token) gets the first answer back
and nothing is done twice.

The key's row is inserted before the work, in the same transaction, and is unique per token:
a concurrent replay's INSERT waits for the first transaction and then fails, and that request
answers with what the first one stored. A refused request stores nothing (its transaction is
rolled back), so the same key may be tried again with corrected input.
"""

from __future__ import annotations

import hashlib

from flask import Response, g, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.api.models import ApiToken, IdempotencyKey
from portal.clock import now
from portal.extensions import db
from portal.problems import problem

KEY_MAX = 255
REPLAYED_HEADER = "Idempotent-Replayed"
KEPT_HEADERS = ("Location", "ETag", "Content-Type")


def _fingerprint() -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    digest.update(request.get_data())
    return digest.hexdigest()


def _stored(token_id: int, key: str) -> IdempotencyKey | None:
    return db.session.scalar(select(IdempotencyKey).where(
        IdempotencyKey.token_id == token_id, IdempotencyKey.key == key))


def _replay(row: IdempotencyKey, fingerprint: str) -> Response:
    if row.fingerprint != fingerprint:
        return problem(422, "This Idempotency-Key was already used for a different request.",
                       errors=[{"field": "Idempotency-Key",
                                "detail": "Use a new key for a new request."}])
    response = Response(row.body, status=row.status, headers=row.headers)
    response.headers[REPLAYED_HEADER] = "true"
    return response


def begin(token: ApiToken, key: str) -> Response | None:
    """Before the work: the stored answer for a replay, or None after claiming the key."""
    key = key.strip()
    if not key or len(key) > KEY_MAX:
        return problem(400, f"An Idempotency-Key is 1 to {KEY_MAX} characters.")
    fingerprint = _fingerprint()
    row = _stored(token.id, key)
    if row is not None:
        return _replay(row, fingerprint)
    row = IdempotencyKey(token_id=token.id, key=key, fingerprint=fingerprint, status=0,
                         body="", headers={}, created_at=now())
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # a concurrent request with this key committed first
        row = _stored(token.id, key)
        if row is None:
            raise
        return _replay(row, fingerprint)
    g.idempotency_row = row
    return None


def finish(response: Response) -> Response | None:
    """After a successful write: keep its answer beside the key, then commit the whole once.
    Returns the first answer instead when a concurrent replay won the race after all."""
    row = g.pop("idempotency_row", None)
    if row is not None:
        row.status = response.status_code
        row.body = response.get_data(as_text=True)
        row.headers = {name: response.headers[name] for name in KEPT_HEADERS
                       if name in response.headers}
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if row is None:
            raise
        stored = _stored(row.token_id, row.key)
        if stored is None:
            raise
        return _replay(stored, row.fingerprint)
    return None
