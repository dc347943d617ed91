"""Sign-in, sign-out, password changes and deactivation: each one writes its audit event."""

from __future__ import annotations

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload

from portal import audit
from portal.accounts.models import User
from portal.accounts.operations import MIN_PASSWORD_LENGTH
from portal.accounts.single_sign_on.people import password_refused, refuse_password
from portal.clock import now
from portal.extensions import db
from portal.operations import OperationError
from portal.security import hash_password, verify_password

# Built once (a statement is immutable): building it cost more than running it, and it runs
# on every signed-in request.
_USER_WITH_ORGANIZATION = (select(User).options(joinedload(User.organization))
                           .where(User.id == bindparam("user_id")))


def user_with_organization(user_id: int) -> User | None:
    """The user a session names, with their organization (every customer page names it in
    the top bar): one statement, whatever the session's scope lets it see."""
    return db.session.scalar(_USER_WITH_ORGANIZATION, {"user_id": user_id})


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, else None.

    Unknown email, wrong password and deactivated account all answer None after the same
    amount of hashing work, so the caller cannot tell them apart and neither can an attacker.
    So does a right password of someone whose organization requires single sign-on (audited
    as auth.sso_refused), unless they are its break-glass admin.
    """
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    valid = verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.active:
        # Only something shaped like an address is kept: people do type their password
        # into the email field, and the audit log never holds a secret.
        typed = email.strip().lower()[:254]
        audit.record("auth.login_failed", actor=None,
                     email=typed if looks_like_email(typed) else "(not an email address)")
        return None
    if password_refused(user):  # single sign-on required (the break-glass admin passes)
        refuse_password(user)
        return None
    user.last_login_at = now()
    audit.record("auth.login", actor=user, obj=user, method="password")
    return user


def looks_like_email(text: str) -> bool:
    """Whether typed text may go in the audit log as an address (never a typed password)."""
    local, at, domain = text.partition("@")
    return bool(at and local and "." in domain and " " not in text)


def end_all_sessions(user: User) -> None:
    """Invalidate every session cookie of this user, captured ones included."""
    user.session_version += 1


def sign_out(user: User) -> None:
    end_all_sessions(user)
    audit.record("auth.logout", actor=user, obj=user)


def sign_out_everywhere(user: User) -> None:
    """End every session of the user, this one included ("Sign out everywhere")."""
    end_all_sessions(user)
    audit.record("auth.signed_out_everywhere", actor=user, obj=user)


def change_password(user: User, *, current: str, new: str) -> None:
    """The user's own password change: the current password proves it is them. Ends every
    session of the user (the caller re-issues the one it was asked from).

    Raises OperationError by `current_password` when the current password is wrong, by
    `new_password` when the new one is shorter than MIN_PASSWORD_LENGTH.
    """
    if not verify_password(user.password_hash, current or ""):
        raise OperationError("This is not your current password.", "current_password")
    if len(new or "") < MIN_PASSWORD_LENGTH:
        raise OperationError(f"Use at least {MIN_PASSWORD_LENGTH} characters.", "new_password")
    user.password_hash = hash_password(new)
    end_all_sessions(user)
    audit.record("auth.password_changed", actor=user, obj=user)


def set_password(user: User, password: str, *, actor: User | None) -> None:
    """Store a new argon2id hash and end the user's other sessions."""
    if len(password) < 12:
        raise ValueError("Use at least 12 characters.")
    user.password_hash = hash_password(password)
    end_all_sessions(user)
    audit.record("auth.password_changed", actor=actor, obj=user)


def deactivate(user: User, *, actor: User | None) -> None:
    """Stop the user signing in and end their sessions at once."""
    before = audit.snapshot(user, ("active",))
    user.active = False
    end_all_sessions(user)
    audit.record("auth.user_deactivated", actor=actor, obj=user, before=before,
                 after=audit.snapshot(user, ("active",)))
