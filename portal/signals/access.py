"""Who is sending: the integration a signal request authenticates as, or the refusal.

A bearer token (`Authorization: Bearer cps_…`) names its integration by its SHA-256. An HMAC
integration is named by `?integration=<id>` and proves itself with
`X-Clearpath-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw body under its secret.
Both comparisons take constant time. Read-only: nothing here writes.
"""

from __future__ import annotations

import hashlib
import hmac

import sqlalchemy as sa
from flask import Request, Response

from portal.extensions import db
from portal.problems import problem
from portal.signals.models import AuthMethod, Integration, IntegrationKind
from portal.signals.operations import token_digest
from portal.signals.secrets import unseal

SIGNATURE_HEADER = "X-Clearpath-Signature"


def signature(secret: str, body: bytes) -> str:
    """The header value a sender puts on `body` (tests and the README's example use it)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def authenticate(request: Request, kind: IntegrationKind) -> Integration | Response:
    """The integration, or a 401/403 problem to answer with."""
    integration = _by_token(request) or _by_signature(request)
    if integration is None:
        return problem(401, "Send the integration's bearer token, or its HMAC signature "
                            f"in {SIGNATURE_HEADER} with ?integration=<id>.",
                       headers={"WWW-Authenticate": 'Bearer realm="clearpath-signals"'})
    if integration.kind != kind:
        return problem(403, f"This integration sends {integration.kind.label} alerts: "
                            f"post them to /api/v1/signals/{integration.kind.value}.")
    return integration


def _by_token(request: Request) -> Integration | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return db.session.scalars(sa.select(Integration).where(
        Integration.token_hash == token_digest(token.strip()),
        Integration.auth_method == AuthMethod.TOKEN)).first()


def _by_signature(request: Request) -> Integration | None:
    sent = request.headers.get(SIGNATURE_HEADER, "")
    wanted = request.args.get("integration", "")
    if not sent or not wanted.isdigit():
        return None
    integration = db.session.get(Integration, int(wanted))
    if integration is None or integration.auth_method != AuthMethod.HMAC:
        return None
    secret = unseal(integration.hmac_secret_sealed)
    if not secret:
        return None
    expected = signature(secret, request.get_data())
    return integration if hmac.compare_digest(expected, sent) else None
