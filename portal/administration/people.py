"""Staff and customer accounts managed from the console: roles, deactivation, reactivation.

Deactivating ends every session of the person at once (`portal.accounts.credentials.deactivate`
bumps the session version). The console always keeps an active administrator: nobody can
deactivate or demote the last one, and administrators cannot deactivate themselves. Each
operation validates, writes its audit event with before and after values and leaves the commit
to the caller. Refusals raise `OperationError(message, field)`.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select

from portal import audit
from portal.accounts.models import User
from portal.administration.leaving import deactivate_person
from portal.enums import CUSTOMER_ROLES, STAFF_ROLES, Role
from portal.extensions import db
from portal.operations import OperationError

STAFF_ROLE_ORDER = (Role.AGENT, Role.ACCOUNT_MANAGER, Role.ESCALATION_MANAGER,
                    Role.ADMINISTRATOR)
CUSTOMER_ROLE_ORDER = (Role.VIEWER, Role.EXECUTIVE, Role.CUSTOMER_ADMIN)


def staff_users():
    """Every staff account, active first, by name (a `select()`)."""
    return (select(User).where(User.role.in_([role.value for role in STAFF_ROLES]))
            .order_by(User.active.desc(), func.lower(User.name), User.id))


def user_id_by_email(email: str) -> int | None:
    """The id of the account with this email (any case), or None."""
    return db.session.scalar(
        select(User.id).where(func.lower(User.email) == email.strip().lower()))


def users_by_id(ids) -> dict[int, User]:
    """The accounts with these ids, by id (one query; none for no ids)."""
    ids = set(ids)
    if not ids:
        return {}
    return {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(ids)))}


def _is_last_administrator(user: User) -> bool:
    if user.role != Role.ADMINISTRATOR or not user.active:
        return False
    others = db.session.scalar(
        select(func.count()).select_from(User)
        .where(User.role == Role.ADMINISTRATOR, User.active.is_(True), User.id != user.id))
    return others == 0


def change_role(user: User, role: Role, *, actor: User) -> None:
    """Give a person another role of the same side (staff stay staff, customers customers).

    Raises OperationError for a role of the other side, or for demoting the last active
    administrator. The same role again changes nothing.
    """
    family = STAFF_ROLES if user.is_staff else CUSTOMER_ROLES
    if role not in family:
        raise OperationError("Choose a staff role." if user.is_staff else
                           "Choose viewer, executive or customer admin.", "role")
    if role == user.role:
        return
    if _is_last_administrator(user):
        raise OperationError("This is the last administrator: make someone else an "
                           "administrator first.", "role")
    before = audit.snapshot(user, ("role",))
    user.role = role
    audit.record_change("user.role_changed", actor=actor, obj=user, before=before,
                        after=audit.snapshot(user, ("role",)))


def deactivate_user(user: User, *, actor: User) -> None:
    """Stop a person signing in and end their sessions at once.

    Raises OperationError for deactivating yourself or the last active administrator. Someone
    already deactivated stays so, unchanged.
    """
    if user.id == actor.id:
        raise OperationError("You cannot deactivate yourself; ask another administrator.")
    if not user.active:
        return
    if _is_last_administrator(user):
        raise OperationError("This is the last administrator; the console needs one.")
    deactivate_person(user, actor=actor)


def reactivate_user(user: User, *, actor: User) -> None:
    """Let a deactivated person sign in again (with their old password, if they had one)."""
    if user.active:
        return
    before = audit.snapshot(user, ("active",))
    user.active = True
    audit.record_change("user.reactivated", actor=actor, obj=user, before=before,
                        after=audit.snapshot(user, ("active",)))


def active_staff():
    """Active staff, by name: who an escalation can be given to or spoken for by (a
    `select()`)."""
    return (select(User).where(User.role.in_(STAFF_ROLES), User.active.is_(True))
            .order_by(User.name, User.id))


def active_people_of(organization_id: int):
    """An organization's active people, by role and name (a `select()`)."""
    return (select(User).where(User.organization_id == organization_id, User.active)
            .order_by(User.role, User.name))


def possible_step_owners(organization_id: int):
    """Who may own a remediation step: active staff and the organization's active people."""
    return (select(User).where(User.active, or_(User.organization_id.is_(None),
                                                User.organization_id == organization_id))
            .order_by(User.name))
