"""Webhook signing secrets: made, sealed at rest, and used to sign.

Sealed by `portal.sealing`, under a label of its own, as the single sign-on client secrets
are. The dispatcher must sign, so the secret cannot be hashed;
a database dump alone does not give it away. Rotating SECRET_KEY makes the stored secrets
unreadable: rotate each endpoint's secret afterwards.

During a rotation's overlap window a delivery carries two signatures, the new secret's first:
`X-Clearpath-Signature: v1=<new>, v1=<old>` (README "Webhooks").
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from portal import sealing

_INFO = b"clearpath webhook signing secret v1"
PREFIX = "whsec_"


def new_secret() -> str:
    """A fresh signing secret: 32 random bytes, URL-safe, with a recognisable prefix."""
    return PREFIX + secrets.token_urlsafe(32)


def seal(secret: str) -> str:
    return sealing.seal(_INFO, secret)


def unseal(sealed: str) -> str:
    """The secret, or ValueError when it was sealed under another SECRET_KEY."""
    secret = sealing.unseal(_INFO, sealed)
    if secret is None:
        raise ValueError("the webhook secret was sealed under another SECRET_KEY")
    return secret


hint = sealing.hint


def store_secret(endpoint, secret: str) -> None:
    """Put `secret` on a webhook endpoint, sealed, with its hint (the operations call this)."""
    endpoint.secret_sealed = seal(secret)
    endpoint.secret_hint = hint(secret)


def current_secret(endpoint) -> str:
    return unseal(endpoint.secret_sealed)


def secrets_in_force(endpoint, at: datetime) -> list[str]:
    """The secrets a delivery at `at` is signed with: the endpoint's current one, and the
    previous one while its rotation's overlap window lasts."""
    found = [current_secret(endpoint)]
    until = endpoint.previous_secret_until
    if endpoint.previous_secret_sealed and until is not None and at < until:
        found.append(unseal(endpoint.previous_secret_sealed))
    return found


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>", hex: what receivers recompute to verify."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def signature_header(secrets_in_force: list[str], timestamp: str, body: bytes) -> str:
    """The header value: one `v1=` signature per secret in force, newest first."""
    return ", ".join(signature(secret, timestamp, body) for secret in secrets_in_force)
