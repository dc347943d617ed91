"""The feed token itself: made, hashed for lookup, sealed for showing again.

Decision (README "Feeds"): a feed URL must be shown to its owner again whenever they open
their preferences, so the token cannot be "shown once" like an API token. It is stored sealed
(Fernet under a key derived from SECRET_KEY with HKDF and its own label, as the app seals its
other secrets) and looked up by its SHA-256. The hash does not depend on SECRET_KEY: rotating
the key keeps every subscription working, and only the owner's page loses the ability to show
the URL (it then offers "Reset feed links").

The token is 32 random bytes: the hash needs no salt or slow function, nobody can guess one.
"""

from __future__ import annotations

import hashlib
import secrets

from portal import sealing

SCHEME = "cpf_"  # "Clearpath feed": a leaked URL says what it is, and secret scanners can match
PREFIX_CHARS = 12  # what pages and the audit log show of a token: "cpf_" and 8 characters
MAX_TOKEN_CHARS = 80  # longer path segments are not ours; refused before any hashing


def new_token() -> str:
    return SCHEME + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def prefix_of(token: str) -> str:
    return token[:PREFIX_CHARS]


def looks_like_token(token: str) -> bool:
    return token.startswith(SCHEME) and len(token) <= MAX_TOKEN_CHARS


_LABEL = b"clearpath feed token v1"


def seal(token: str) -> str:
    return sealing.seal(_LABEL, token)


def unseal(sealed: str) -> str | None:
    """The token, or None when it was sealed under another SECRET_KEY (reset the links)."""
    return sealing.unseal(_LABEL, sealed)
