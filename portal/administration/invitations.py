"""A customer admin's team: inviting colleagues, revoking invitations, deactivating people.

The emailed link carries a signed, expiring token naming the invitation (itsdangerous, salt
"invitation"). The token proves the link came from us; the row decides whether it still
works: a token is honoured only while its invitation is open (not accepted, not revoked, not
past `expires_at` by the one clock). Each operation validates, writes its audit event and
leaves the commit to the caller.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import func, select

from portal import audit
from portal.accounts.models import Invitation, Organization, User
from portal.accounts.operations import (
    MIN_PASSWORD_LENGTH,
    create_customer_user,
    normalised_email,
)
from portal.administration.leaving import deactivate_person
from portal.clock import now
from portal.enums import CUSTOMER_ROLES, Role
from portal.extensions import db
from portal.notices.models import Channel, Notice
from portal.operations import OperationError
from portal.permissions import Capability, can

INVITATION_LIFETIME = timedelta(days=7)
TOKEN_SALT = "invitation"
ACCEPT_ENDPOINT = "auth.accept_invitation"


# ------------------------------------------------------------------ signed tokens

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def invitation_token(invitation: Invitation) -> str:
    """The signed token for the invitation's link (payload: the invitation id)."""
    return _serializer().dumps(invitation.id)


def accept_path(invitation: Invitation) -> str:
    """The path of the accept link, built without a request (jobs and the CLI invite too)."""
    adapter = current_app.url_map.bind("localhost")
    return adapter.build(ACCEPT_ENDPOINT, {"token": invitation_token(invitation)})


def invitation_from_token(token: str) -> Invitation | None:
    """The open invitation a genuine, unexpired token names; None for anything else.

    Tampered, expired (by signature age or by the row's `expires_at`), revoked and already
    accepted all answer None alike, so the page can say no more than "this link no longer
    works". The caller decides the tenancy scope (the accept page runs unscoped, on purpose).
    """
    try:
        invitation_id = _serializer().loads(
            token, max_age=int(INVITATION_LIFETIME.total_seconds()))
    except BadData:
        return None
    if not isinstance(invitation_id, int) or isinstance(invitation_id, bool):
        return None
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or not invitation.is_open:
        return None
    return invitation


# ------------------------------------------------------------------ operations

def _require_admin_of(actor: User | None, organization_id: int) -> None:
    if actor is not None and actor.is_staff and can(actor, Capability.MANAGE_ACCOUNTS):
        return  # the vendor's administrators manage every organization's people
    if actor is None or actor.role != Role.CUSTOMER_ADMIN or \
            actor.organization_id != organization_id:
        raise PermissionError("only the organization's customer admins manage its team")


def open_invitations_for_organization(organization_id: int):
    """Invitations still waiting for an answer, newest first (a `select()`)."""
    return (
        select(Invitation)
        .where(Invitation.organization_id == organization_id,
               Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
               Invitation.expires_at > now())
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
    )


def members_for_organization(organization_id: int):
    """The organization's people, active first, by name (a `select()`)."""
    return (
        select(User)
        .where(User.organization_id == organization_id)
        .order_by(User.active.desc(), func.lower(User.name), User.id)
    )


def invite_colleague(organization: Organization, *, invited_by: User, email: str, name: str,
                     role: Role) -> Invitation:
    """Invite someone to `organization` with a customer role and queue the email with the link.

    Raises PermissionError unless `invited_by` is one of the organization's customer admins
    (or staff who manage accounts);
    OperationError (with its field) for a bad email, a non-customer role, an email that already
    has an account, or one with an open invitation. The account check reads through the
    caller's session scope: a customer admin learns about their own colleagues and the vendor's
    staff, never about another organization's people (that shows only when the link is used).
    """
    _require_admin_of(invited_by, organization.id)
    if role not in CUSTOMER_ROLES:
        raise OperationError("Choose viewer, executive or customer admin.", "role")
    email = normalised_email(email)
    name = (name or "").strip()
    if len(name) > 200:
        raise OperationError("Use at most 200 characters.", "name")
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise OperationError("This person already has a Clearpath account.", "email")
    pending = select(Invitation.id).where(
        Invitation.organization_id == organization.id, func.lower(Invitation.email) == email,
        Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
        Invitation.expires_at > now())
    if db.session.scalar(pending):
        raise OperationError("This person already has an open invitation.", "email")
    created = now()
    invitation = Invitation(organization_id=organization.id, email=email, name=name, role=role,
                            invited_by_id=invited_by.id, created_at=created,
                            expires_at=created + INVITATION_LIFETIME)
    db.session.add(invitation)
    db.session.flush()
    audit.record("invitation.created", actor=invited_by, obj=invitation, email=email,
                 role=role.value)
    _queue_invitation_email(invitation, organization=organization, invited_by=invited_by)
    return invitation


def _queue_invitation_email(invitation: Invitation, *, organization: Organization,
                            invited_by: User) -> Notice:
    """The invitee is not a user yet, so `enqueue_email` (which needs one) does not fit: the
    outbox row is written here, with the same kind of unique key."""
    notice = Notice(
        key=f"invitation:{invitation.id}:email:{invitation.email}",
        event="invitation",
        channel=Channel.EMAIL,
        recipient=invitation.email,
        recipient_user_id=None,
        organization_id=organization.id,
        template="invitation",
        context={
            "invitation_id": invitation.id,
            "accept_path": accept_path(invitation),
            "organization_name": organization.name,
            "invited_by_name": invited_by.name,
            "invitee_name": invitation.name,
            "role": invitation.role.value,
            "role_label": invitation.role.label,
            "expires_at": invitation.expires_at.isoformat(),
        },
    )
    db.session.add(notice)
    return notice


def revoke_invitation(invitation: Invitation, *, actor: User) -> None:
    """Make the invitation's link stop working.

    Raises PermissionError unless `actor` administers the invitation's organization, and
    OperationError when it was already accepted. Revoking twice changes nothing.
    """
    _require_admin_of(actor, invitation.organization_id)
    if invitation.accepted_at is not None:
        raise OperationError("This invitation was already accepted.")
    if invitation.revoked_at is not None:
        return
    invitation.revoked_at = now()
    audit.record("invitation.revoked", actor=actor, obj=invitation, email=invitation.email)


def accept_invitation(invitation: Invitation, *, name: str, password: str,
                      timezone: str | None = None) -> User:
    """Create the invitee's account from an open invitation and mark it accepted.

    Raises OperationError when the invitation is no longer open, for a missing name, a password
    shorter than MIN_PASSWORD_LENGTH, or an email that meanwhile got an account.
    """
    if not invitation.is_open:
        raise OperationError("This invitation no longer works.")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise OperationError(f"Use at least {MIN_PASSWORD_LENGTH} characters.", "password")
    organization = invitation.organization
    user = create_customer_user(organization, email=invitation.email, name=name,
                                password=password, role=invitation.role, actor=None,
                                timezone=timezone or None)
    invitation.accepted_at = now()
    audit.record("invitation.accepted", actor=user, obj=invitation, user_id=user.id)
    return user


def deactivate_colleague(colleague: User, *, actor: User) -> None:
    """Stop a colleague signing in and end their sessions (`credentials.deactivate`).

    Raises PermissionError unless `actor` administers the colleague's organization, and
    OperationError for deactivating yourself (an organization always keeps an admin who can act).
    Deactivating someone already deactivated changes nothing.
    """
    if colleague.organization_id is None:
        raise PermissionError("customer admins manage their own organization's people")
    _require_admin_of(actor, colleague.organization_id)
    if colleague.id == actor.id:
        raise OperationError("You cannot deactivate yourself; ask another admin.")
    if not colleague.active:
        return
    deactivate_person(colleague, actor=actor)
