"""An HMAC integration's shared secret, sealed at rest (portal.sealing, with its own label):
the app must read it back to verify signatures, so a hash will not do, and a database dump
alone must not let anyone sign alerts."""

from __future__ import annotations

from portal import sealing

_LABEL = b"clearpath-signal-hmac-secret"


def seal(secret: str) -> str:
    return sealing.seal(_LABEL, secret)


def unseal(sealed: str | None) -> str | None:
    """The secret, or None when there is none or it was sealed under another SECRET_KEY (then
    no signature verifies: rotate the credential)."""
    return sealing.unseal(_LABEL, sealed) if sealed else None
