"""Secrets sealed at rest: Fernet under a key derived from the app's SECRET_KEY by HKDF-SHA256,
with a label per use (`info`), so no key serves two purposes. Used where the app must read a
secret back (TOTP seeds, single sign-on client secrets, webhook signing secrets, feed links)
and a hash will not do; a database dump alone does not give them away. Rotating SECRET_KEY
makes what was sealed unreadable: `unseal` then answers None.
"""

from __future__ import annotations

import base64
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


@cache
def _fernet(secret_key: str, label: bytes) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(
        secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _current(label: bytes) -> Fernet:
    return _fernet(str(current_app.config["SECRET_KEY"]), label)


def seal(label: bytes, text: str) -> str:
    return _current(label).encrypt(text.encode()).decode("ascii")


def unseal(label: bytes, sealed: str) -> str | None:
    """The text, or None when it was sealed under another SECRET_KEY."""
    try:
        return _current(label).decrypt(sealed.encode("ascii")).decode()
    except InvalidToken:
        return None


def hint(secret: str) -> str:
    """What pages show of a stored secret: its last four characters, never more."""
    return secret[-4:] if len(secret) >= 12 else ""
