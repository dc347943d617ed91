"""Webhook signing secrets: made, sealed at rest, and used to sign.

Sealed as the single sign-on client secrets are (`portal.accounts.single_sign_on.sealing`):
Fernet under a key derived from the app's SECRET_KEY by HKDF-SHA256 with a label of its own,
so this key serves nothing else. The dispatcher must sign, so the secret cannot be hashed;
a database dump alone does not give it away. Rotating SECRET_KEY makes the stored secrets
unreadable: rotate each endpoint's secret afterwards.

During a rotation's overlap window a delivery carries two signatures, the new secret's first:
`X-Clearpath-Signature: v1=<new>, v1=<old>` (README "Webhooks").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

_INFO = b"clearpath webhook signing secret v1"
PREFIX = "whsec_"


def new_secret() -> str:
    """A fresh signing secret: 32 random bytes, URL-safe, with a recognisable prefix."""
    return PREFIX + secrets.token_urlsafe(32)


def _fernet() -> Fernet:
    key_material = str(current_app.config["SECRET_KEY"]).encode()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(key_material)
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode("ascii")


def unseal(sealed: str) -> str:
    """The secret, or ValueError when it was sealed under another SECRET_KEY."""
    try:
        return _fernet().decrypt(sealed.encode("ascii")).decode()
    except InvalidToken as exc:
        raise ValueError("the webhook secret was sealed under another SECRET_KEY") from exc


def hint(secret: str) -> str:
    """What the pages show of a secret once it is stored: its last four characters."""
    return secret[-4:] if len(secret) >= 12 else ""


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
