"""Who hears about an escalation."""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import User
from portal.enums import CUSTOMER_ROLES, Role
from portal.escalations.models import Escalation, Subscription
from portal.extensions import db


def subscribers_of(escalation: Escalation) -> list[User]:
    """Active customers of the escalation's organization who have not unsubscribed from it.

    Everyone in the organization is subscribed until they say otherwise.
    """
    unsubscribed = select(Subscription.user_id).where(
        Subscription.escalation_id == escalation.id, Subscription.subscribed.is_(False)
    )
    return list(db.session.scalars(
        select(User).where(
            User.organization_id == escalation.organization_id,
            User.active.is_(True),
            User.role.in_(CUSTOMER_ROLES),
            User.id.not_in(unsubscribed),
        ).order_by(User.id)
    ))


def vendor_contacts(escalation: Escalation) -> list[User]:
    """The owner and the communicator (either may be missing)."""
    return [user for user in (escalation.owner, escalation.communicator) if user is not None]


def escalation_managers() -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.role == Role.ESCALATION_MANAGER, User.active.is_(True))
        .order_by(User.id)
    ))
