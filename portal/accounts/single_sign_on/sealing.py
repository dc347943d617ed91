"""Client secrets sealed at rest: Fernet with a key derived from the app's SECRET_KEY (HKDF,
SHA-256, its own `info` label so the key serves nothing else). Rotating SECRET_KEY makes the
stored secrets unreadable: enter them again on the single sign-on pages."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

_INFO = b"clearpath single sign-on client secret v1"


def _fernet() -> Fernet:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode("ascii")


def unseal(sealed: str) -> str:
    """The secret, or ValueError when it was sealed under another SECRET_KEY."""
    try:
        return _fernet().decrypt(sealed.encode("ascii")).decode()
    except InvalidToken as exc:
        raise ValueError("the client secret was sealed under another SECRET_KEY") from exc


def hint(secret: str) -> str:
    """What the pages show of a secret: its last four characters, never more."""
    return secret[-4:] if len(secret) >= 12 else ""
