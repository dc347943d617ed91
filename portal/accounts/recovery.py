"""Account recovery: the signed link that resets a forgotten password, and the reset.

The link carries a signed token (itsdangerous, salt "password-reset") whose payload names the
user and a digest of their current password hash and session version. It is honoured for one
hour by the one clock (`portal.clock`), and only while that digest still matches: resetting,
changing the password, signing out everywhere or deactivation all change it, so a link works
once and dies with any of those. Nothing but its email's outbox row holds the token.

Mailing the link is `portal.administration.recovery` (the outbox stands on accounts, so
accounts queue no mail). The callers decide the tenancy scope (these pages run unscoped, on
purpose) and commit.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import current_app
from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer

from portal import audit
from portal.accounts.credentials import end_all_sessions
from portal.accounts.models import User
from portal.accounts.operations import MIN_PASSWORD_LENGTH
from portal.clock import now
from portal.extensions import db
from portal.operations import OperationError
from portal.security import hash_password

RESET_LIFETIME = timedelta(hours=1)
TOKEN_SALT = "password-reset"
RESET_ENDPOINT = "auth.reset_password"


class _ClockSigner(TimestampSigner):
    """Stamps and ages tokens by `portal.clock.now()`, so tests and simulations move it."""

    def get_timestamp(self) -> int:
        return int(now().timestamp())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT,
                                  signer=_ClockSigner)


def credential_digest(user: User) -> str:
    """Changes whenever the password or the session version does (keyed: the token shows it)."""
    material = f"{user.id}:{user.password_hash or ''}:{user.session_version}".encode()
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, material, hashlib.sha256).hexdigest()[:32]


def reset_token(user: User) -> str:
    """The signed token for a reset link, bound to the user's current credentials."""
    return _serializer().dumps({"u": user.id, "d": credential_digest(user)})


def reset_path(user: User) -> str:
    """The reset link's path, built without a request (the email is rendered by a job)."""
    adapter = current_app.url_map.bind("localhost")
    return adapter.build(RESET_ENDPOINT, {"token": reset_token(user)})


def user_from_reset_token(token: str, *, lock: bool = False) -> User | None:
    """The active user a genuine, unexpired, still-current token names; None for anything else.

    Tampered, expired, used (the password changed since), outdated by a sign-out everywhere,
    and a deactivated account all answer None alike. `lock` (before a reset) holds the user's
    row until the commit, so two submissions of one link cannot both pass the check
    (PostgreSQL; SQLite has one writer anyway).
    """
    try:
        data = _serializer().loads(token, max_age=int(RESET_LIFETIME.total_seconds()))
    except BadData:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("d"), str):
        return None
    user_id = data.get("u")
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        return None
    user = db.session.get(User, user_id, with_for_update=lock, populate_existing=lock)
    if user is None or not user.active:
        return None
    if not hmac.compare_digest(credential_digest(user), data["d"]):
        return None
    return user


def reset_password(user: User, password: str) -> None:
    """Set a new password from a reset link and end every session of the user (the link dies
    with the old password). Raises OperationError by the password field when it is shorter
    than MIN_PASSWORD_LENGTH."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise OperationError(f"Use at least {MIN_PASSWORD_LENGTH} characters.", "password")
    user.password_hash = hash_password(password)
    end_all_sessions(user)
    audit.record("auth.password_reset", actor=user, obj=user)
