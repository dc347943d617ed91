"""One-click opt-out of mail that is not about one escalation: daily digests and known-issue
broadcasts (updates about an escalation are stopped per escalation: `unsubscribe_token`).

The emailed link carries a signed token naming the person and the kind of mail; a POST to it
(RFC 8058 one-click, or the button on its page) records the opt-out on the user, and the
digest and broadcast audiences leave that person out from then on.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from portal import audit
from portal.accounts.models import User

SALT = "opt-out"
KINDS = {
    "digests": "daily digest emails",
    "broadcasts": "known-issue announcements",
}


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def opt_out_token(user_id: int, kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown opt-out kind {kind!r}")
    return _serializer().dumps({"u": user_id, "k": kind})


def read_opt_out_token(token: str) -> tuple[int, str] | None:
    """(user id, kind) from a genuine token, else None."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("k") not in KINDS or "u" not in data:
        return None
    return int(data["u"]), data["k"]


def has_opted_out(user: User, kind: str) -> bool:
    return kind in (user.email_opt_outs or [])


def opt_out(user: User, kind: str) -> None:
    """Record the opt-out (idempotent; audited once). The caller commits."""
    if has_opted_out(user, kind):
        return
    user.email_opt_outs = sorted({*(user.email_opt_outs or []), kind})
    audit.record("notices.opted_out", actor=user, obj=user, kind=kind)
