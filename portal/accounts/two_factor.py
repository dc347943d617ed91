"""Two-factor sign-in: who must have it, enrolment, checking a code, recovery codes.

* TOTP (RFC 6238, 30-second steps, six digits) through pyotp; a code of the step before or
  after is accepted too (clocks drift), and never a step at or before the last one accepted
  (`User.totp_last_step`, moved by a conditional UPDATE, so two requests racing with one code
  cannot both pass).
* The secret is stored encrypted (Fernet) under a key derived from the app's SECRET_KEY
  (HKDF-SHA256): a copy of the database alone does not give anyone the codes. Rotating
  SECRET_KEY therefore makes every stored secret unreadable: everyone re-enrols (README).
* Recovery codes: `portal.accounts.recovery_codes` (SHA-256 digests, each usable once).

Required for administrators and escalation managers; for all staff when the runtime setting
`security.two_factor_all_staff` says so; for every member of an organization whose customer
admin asked for it. Everyone else may turn it on and off.
"""

from __future__ import annotations

import hmac

import pyotp
import segno
from flask import current_app
from sqlalchemy import delete, or_, update

from portal import audit, sealing
from portal.accounts.models import Organization, User
from portal.accounts.recovery_codes import (
    RECOVERY_CODE_COUNT,
    RecoveryCode,
    digest,
    looks_like_recovery_code,
    new_recovery_code,
)
from portal.clock import now
from portal.enums import Role
from portal.extensions import db
from portal.operations import OperationError
from portal.settings import get_setting, set_setting

#: Runtime setting (portal.settings): administrators extend the requirement to all staff.
ALL_STAFF_SETTING = ("security.two_factor_all_staff", False)
ROLES_THAT_MUST = frozenset({Role.ADMINISTRATOR, Role.ESCALATION_MANAGER})

WRONG_CODE = "That code is not right. Check your authenticator app and try again."
CODE_DIGITS = 6


# --------------------------------------------------------------------------- who must
def has_second_factor(user: User) -> bool:
    """Enrolled, with a secret this app can still read (after a SECRET_KEY rotation it
    cannot: the person counts as not enrolled, and enrols again if they must)."""
    return (user.totp_enabled_at is not None and user.totp_secret is not None
            and _open(user.totp_secret) is not None)


def required_because(user: User) -> str | None:
    """Why this person must sign in with a second factor, in their words; None if optional."""
    if not current_app.config["TWO_FACTOR_ENFORCE_REQUIRED"]:
        return None
    if user.role in ROLES_THAT_MUST:
        return f"{user.role.label}s must use two-factor sign-in."
    if user.is_staff and get_setting(*ALL_STAFF_SETTING):
        return "Your administrators require two-factor sign-in for all staff."
    if user.organization is not None and user.organization.two_factor_required:
        return f"{user.organization.name} requires two-factor sign-in for everyone."
    return None


def is_required(user: User) -> bool:
    return required_because(user) is not None


# --------------------------------------------------------------------------- the secret
_LABEL = b"clearpath two-factor secret"


def _seal(secret: str) -> str:
    return sealing.seal(_LABEL, secret)


def _open(sealed: str) -> str | None:
    """None when sealed under another SECRET_KEY: the person must enrol again."""
    return sealing.unseal(_LABEL, sealed)


def enrolment_secret(user: User) -> str:
    """The secret being enrolled: the one already offered (a reloaded page shows the same
    QR code), else a new one, stored sealed. Raises OperationError if already enrolled."""
    if has_second_factor(user):
        raise OperationError("Two-factor sign-in is already on.")
    secret = _open(user.totp_secret) if user.totp_secret else None
    if secret is None or user.totp_enabled_at is not None:
        secret = pyotp.random_base32()
        user.totp_secret = _seal(secret)
        user.totp_enabled_at = None
        user.totp_last_step = None
    return secret


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(
        name=user.email, issuer_name=current_app.config["TWO_FACTOR_ISSUER"])


def qr_code_svg(uri: str) -> str:
    """The otpauth:// URI as an inline SVG (no style attributes: the CSP allows none)."""
    return segno.make(uri, error="m").svg_inline(scale=5, border=2, dark="#111827",
                                                 light="#ffffff", omitsize=True,
                                                 title="QR code for your authenticator app")


def manual_key(secret: str) -> str:
    """The secret in groups of four, as people type it into an app without a camera."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


# --------------------------------------------------------------------------- checking codes
def _digits(code: str) -> str:
    return "".join(code.split())


def _accept_totp(user: User, secret: str, code: str) -> bool:
    """True when `code` is the code of a step near now that is later than the last one
    accepted; that step becomes the last one (in the caller's transaction)."""
    code = _digits(code)
    if len(code) != CODE_DIGITS or not code.isdigit():
        return False
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now())
    for step in (current - 1, current, current + 1):
        if not hmac.compare_digest(totp.generate_otp(step), code):
            continue
        moved = db.session.execute(
            update(User).where(User.id == user.id,
                               or_(User.totp_last_step.is_(None), User.totp_last_step < step))
            .values(totp_last_step=step).execution_options(synchronize_session=False))
        if moved.rowcount != 1:
            return False  # this step (or a later one) was used already: a replay
        db.session.expire(user, ["totp_last_step"])
        return True
    return False


def _accept_recovery_code(user: User, code: str) -> bool:
    if not looks_like_recovery_code(code):
        return False
    used = db.session.execute(
        update(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                   RecoveryCode.code_digest == digest(code),
                                   RecoveryCode.used_at.is_(None))
        .values(used_at=now()).execution_options(synchronize_session=False))
    return used.rowcount == 1


def _accepts(user: User, code: str, *, recovery: bool = True) -> str | None:
    """"totp" or "recovery" for an accepted code, else None."""
    secret = _open(user.totp_secret) if user.totp_secret else None
    if secret is not None and _accept_totp(user, secret, code):
        return "totp"
    if recovery and _accept_recovery_code(user, code):
        return "recovery"
    return None


def pass_second_factor(user: User, code: str, *, failures: int) -> bool:
    """The sign-in's second step: a current TOTP code or an unused recovery code. Audits
    either way (the caller commits either way: a failure is worth keeping)."""
    how = _accepts(user, code) if has_second_factor(user) else None
    if how is None:
        record_failed_code(user, failures=failures, during="sign-in")
        return False
    if how == "recovery":
        audit.record("auth.recovery_code_used", actor=user, obj=user,
                     left=remaining_recovery_codes(user))
    audit.record("auth.second_factor_passed", actor=user, obj=user, method=how)
    return True


def record_failed_code(user: User, *, failures: int, during: str) -> None:
    """Audit a wrong code between the password and the second factor (sign-in, enrolment)."""
    audit.record("auth.second_factor_failed", actor=None, obj=user, failures=failures + 1,
                 during=during)


def remaining_recovery_codes(user: User) -> int:
    return db.session.scalar(
        db.select(db.func.count()).select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


# --------------------------------------------------------------------------- changes
def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_digest=digest(c)) for c in codes)
    return codes


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Turn two-factor sign-in on with the first code from the app; returns the ten recovery
    codes (shown once, never again). Raises OperationError (field "code") for a wrong code."""
    if has_second_factor(user):
        raise OperationError("Two-factor sign-in is already on.")
    secret = _open(user.totp_secret) if user.totp_secret else None
    if secret is None:
        raise OperationError("Scan the QR code again: it has changed.", field="code")
    if not _accept_totp(user, secret, code):
        raise OperationError(WRONG_CODE, field="code")
    user.totp_enabled_at = now()
    codes = _new_recovery_codes(user)
    audit.record("auth.two_factor_enrolled", actor=user, obj=user)
    return codes


def _check_current_code(user: User, code: str) -> None:
    if _accepts(user, code) is None:
        raise OperationError("That code is not right. Use a current code from your app "
                             "or an unused recovery code.", field="code")


def disable_two_factor(user: User, code: str) -> None:
    """Turn it off with a current code; refused to someone who must have it."""
    reason = required_because(user)
    if reason is not None:
        raise OperationError(f"{reason} You cannot turn it off.", field="code")
    if not has_second_factor(user):
        raise OperationError("Two-factor sign-in is already off.", field="code")
    _check_current_code(user, code)
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record("auth.two_factor_disabled", actor=user, obj=user)


def regenerate_recovery_codes(user: User, code: str) -> list[str]:
    """Ten new recovery codes (the old ones stop working), with a current code."""
    if not has_second_factor(user):
        raise OperationError("Turn two-factor sign-in on first.", field="code")
    _check_current_code(user, code)
    codes = _new_recovery_codes(user)
    audit.record("auth.recovery_codes_regenerated", actor=user, obj=user)
    return codes


def require_for_all_staff(required: bool, *, actor: User) -> None:
    """The runtime setting (audited by portal.settings)."""
    if actor.role != Role.ADMINISTRATOR:
        raise PermissionError("Only administrators change who must use two-factor sign-in.")
    set_setting(ALL_STAFF_SETTING[0], bool(required), actor=actor)


def require_for_organization(organization: Organization, required: bool, *,
                             actor: User) -> None:
    """A customer admin's choice for their organization; members enrol at next sign-in."""
    if actor.role != Role.CUSTOMER_ADMIN or actor.organization_id != organization.id:
        raise PermissionError("Only the organization's customer admins decide this.")
    before = audit.snapshot(organization, ("two_factor_required",))
    organization.two_factor_required = bool(required)
    audit.record_change("organization.two_factor_required_changed", actor=actor,
                        obj=organization, organization_id=organization.id, before=before,
                        after=audit.snapshot(organization, ("two_factor_required",)))
