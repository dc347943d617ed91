"""Mailing a password reset link ("Forgot your password?").

Here rather than in `portal.accounts.recovery` (the token and the reset) because the outbox
stands on accounts: like invitations, this queues an email to an address, not to a user's
preferences. A request for an unknown or deactivated address does exactly what a real one does
for the caller (the same answer, no mail); the audit log alone says which it was.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from portal import audit
from portal.accounts.credentials import looks_like_email
from portal.accounts.models import User
from portal.accounts.recovery import RESET_LIFETIME, reset_path
from portal.extensions import db
from portal.notices.models import Channel, Notice

TEMPLATE = "password_reset"


def request_password_reset(email: str) -> None:
    """Queue a reset link to the active account with this email, if there is one.

    Never tells whether there was: unknown and deactivated addresses get no mail, an audit
    event, and the same (empty) return. Raises nothing for any input. The caller runs it
    unscoped (nobody is signed in) and commits.
    """
    typed = (email or "").strip().lower()[:254]
    user = db.session.scalar(select(User).where(func.lower(User.email) == typed)) \
        if typed else None
    if user is None or not user.active:
        audit.record("auth.password_reset_requested", actor=None,
                     email=typed if looks_like_email(typed) else "(not an email address)",
                     outcome="no active account: nothing sent")
        return
    audit.record("auth.password_reset_requested", actor=None, obj=user, email=user.email,
                 outcome="link sent")
    _queue_reset_email(user)


def _queue_reset_email(user: User) -> Notice:
    """One outbox row per request (a fresh key each time: every request gets its own link)."""
    notice = Notice(
        key=f"password_reset:{user.id}:{uuid.uuid4().hex}",
        event="password_reset",
        channel=Channel.EMAIL,
        recipient=user.email,
        recipient_user_id=user.id,
        organization_id=user.organization_id,
        template=TEMPLATE,
        context={"reset_path": reset_path(user),
                 "lifetime_minutes": int(RESET_LIFETIME.total_seconds() // 60)},
    )
    db.session.add(notice)
    return notice
