"""Creating accounts. Each operation validates, writes its audit event, and lets the caller
commit."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from portal import audit
from portal.accounts.models import Organization, User
from portal.enums import CUSTOMER_ROLES, Role
from portal.extensions import db
from portal.operations import OperationError
from portal.security import hash_password

MIN_PASSWORD_LENGTH = 12


def normalised_email(email: str) -> str:
    """The address as stored (lower case, normalised), or OperationError by the email field."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise OperationError(str(exc), "email") from exc


def _check_new_user(email: str, name: str, password: str | None) -> str:
    email = normalised_email(email)
    if not name.strip():
        raise OperationError("Give the person's name.", "name")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise OperationError(f"Use at least {MIN_PASSWORD_LENGTH} characters.", "password")
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise OperationError("An account with this email already exists.", "email")
    return email


def create_staff_user(*, email: str, name: str, password: str | None, role: Role,
                      actor: User | None, job_title: str = "", phone: str = "",
                      timezone: str | None = None) -> User:
    """A vendor staff account (without a password when made at a first single sign-on).
    Raises OperationError for a bad email, name, password or role."""
    if not role.is_staff:
        raise OperationError("Staff accounts need a staff role.", "role")
    email = _check_new_user(email, name, password)
    user = User(email=email, name=name.strip(), role=role,
                password_hash=hash_password(password) if password else None,
                job_title=job_title, phone=phone, timezone=timezone, active=True,
                session_version=1)
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", actor=actor, obj=user, role=role.value)
    return user


def create_customer_user(organization: Organization, *, email: str, name: str,
                         password: str | None, role: Role, actor: User | None,
                         job_title: str = "", phone: str = "",
                         timezone: str | None = None) -> User:
    """A customer account in `organization`. Raises OperationError like `create_staff_user`."""
    if role not in CUSTOMER_ROLES:
        raise OperationError("Customer accounts need a customer role.", "role")
    email = _check_new_user(email, name, password)
    user = User(email=email, name=name.strip(), role=role, organization_id=organization.id,
                password_hash=hash_password(password) if password else None,
                job_title=job_title, phone=phone, timezone=timezone, active=True,
                session_version=1)
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", actor=actor, obj=user, role=role.value)
    return user
