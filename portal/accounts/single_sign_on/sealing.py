"""Client secrets sealed at rest: Fernet with a key derived from the app's SECRET_KEY (HKDF,
SHA-256, its own `info` label so the key serves nothing else). Rotating SECRET_KEY makes the
stored secrets unreadable: enter them again on the single sign-on pages."""

from __future__ import annotations

from portal import sealing

_INFO = b"clearpath single sign-on client secret v1"


def seal(secret: str) -> str:
    return sealing.seal(_INFO, secret)


def unseal(sealed: str) -> str:
    """The secret, or ValueError when it was sealed under another SECRET_KEY."""
    secret = sealing.unseal(_INFO, sealed)
    if secret is None:
        raise ValueError("the client secret was sealed under another SECRET_KEY")
    return secret


hint = sealing.hint
