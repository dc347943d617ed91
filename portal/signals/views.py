"""The two signal endpoints, under /api/v1/signals. Machines post here with a credential, not
a session: the blueprint is exempt from CSRF, runs unscoped (ingestion is a job done on
behalf of an integration, across organizations) and answers errors as problem+json."""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, current_app, request

from portal.extensions import csrf, db, limiter
from portal.problems import invalid_fields, problem
from portal.signals import payloads
from portal.signals.access import authenticate
from portal.signals.models import IntegrationKind
from portal.signals.operations import receive
from portal.tenancy import Scope, set_scope

bp = Blueprint("signals", __name__, url_prefix="/api/v1/signals")
csrf.exempt(bp)

# Per sender: a runaway monitoring loop slows itself down (429, problem+json) without
# holding back other integrations. A flood of one key is already one escalation; this bounds
# the work it costs.
DEFAULT_RATE_LIMIT = "1200 per minute"


def _sender_key() -> str:
    """Who is sending, before anything is looked up: the bearer token's hash, the HMAC
    integration named in the query, or else the client's address."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return "signals-token:" + hashlib.sha256(token.strip().encode()).hexdigest()[:32]
    named = request.args.get("integration", "")
    if named.isdigit():
        return f"signals-hmac:{int(named)}"
    return f"signals-anonymous:{request.remote_addr}"


limiter.limit(lambda: current_app.config.get("SIGNALS_RATE_LIMIT", DEFAULT_RATE_LIMIT),
              key_func=_sender_key)(bp)

READERS = {IntegrationKind.ALERTMANAGER: payloads.alertmanager,
           IntegrationKind.GENERIC: payloads.generic}


@bp.before_request
def _unscoped():
    set_scope(db.session(), Scope.unscoped("monitoring signal ingestion"))


def _ingest(kind: IntegrationKind):
    integration = authenticate(request, kind)
    if isinstance(integration, Response):
        return integration  # the refusal
    body = request.get_json(silent=True)
    if body is None:
        return problem(400, "Send a JSON body (Content-Type: application/json).")
    alerts, errors = READERS[kind](body)
    if errors:
        return invalid_fields(errors)
    signals = receive(integration, alerts)
    db.session.commit()
    return {"integration": integration.name, "muted": integration.muted,
            "signals": [{"dedupe_key": signal.dedupe_key, "status": signal.status,
                         "outcome": signal.outcome.value, "escalation_id": signal.escalation_id}
                        for signal in signals]}, 202


@bp.post("/alertmanager")
def alertmanager():
    return _ingest(IntegrationKind.ALERTMANAGER)


@bp.post("/generic")
def generic():
    return _ingest(IntegrationKind.GENERIC)
