"""What each staff role may do in the console. One table, read by views and templates.

- Agents work escalations.
- Account managers post customer updates for their own accounts and schedule notices.
- Escalation managers see everything, work escalations, set thresholds and rules, and keep
  the on-call rosters.
- Account managers, escalation managers and administrators read the staff analytics and
  enter the monthly ticket volumes they are measured against.
- Administrators manage accounts, people, policies and templates, and may do everything.
- Escalation managers and administrators create and configure monitoring integrations.
- Escalation managers and administrators keep drill scenarios and start and end drills;
  whoever takes part in a drill works it like any escalation.

Who speaks to a customer is a relation as well as a role (`can_publish_on`): a customer update
on an escalation is published by its owner, its communicator, the organization's account
manager, escalation managers and administrators — nobody else.

Where it is asked: a view asks once, on the way in (`requires`, or a relation check before
anything renders); the operation asks again, because it is every caller's guard (views, the
CLI, jobs, an API) and raises PermissionError. Nothing in between asks a third time.
"""

from __future__ import annotations

from enum import StrEnum
from functools import wraps

from flask import abort
from flask_login import current_user

from portal.enums import Role


class Capability(StrEnum):
    VIEW_CONSOLE = "view_console"  # read the queue, escalations, delivery log
    WORK_ESCALATIONS = "work_escalations"  # create, edit, transitions, handoffs, plan, notes
    POST_CUSTOMER_UPDATES = "post_customer_updates"  # where can_publish_on() allows it
    SCHEDULE_NOTICES = "schedule_notices"
    SET_THRESHOLDS = "set_thresholds"  # priority weights and threshold, delivery rules
    MANAGE_ACCOUNTS = "manage_accounts"  # organizations, people, SLA policies, templates
    VIEW_AUDIT_LOG = "view_audit_log"
    VIEW_ANALYTICS = "view_analytics"  # staff analytics: figures by month, charts, CSV
    RECORD_TICKET_VOLUMES = "record_ticket_volumes"  # the monthly ticket counts rates divide by
    MANAGE_ROSTERS = "manage_rosters"  # on-call teams, rotations and overrides
    MANAGE_WEBHOOKS = "manage_webhooks"  # every organization's and the staff teams' endpoints
    MANAGE_INTEGRATIONS = "manage_integrations"  # monitoring integrations: create, configure
    RUN_DRILLS = "run_drills"  # drill scenarios; start and end drills (portal.drills)


_ALL = frozenset(Capability)
_GRANTS: dict[Role, frozenset[Capability]] = {
    Role.AGENT: frozenset({Capability.VIEW_CONSOLE, Capability.WORK_ESCALATIONS,
                           Capability.POST_CUSTOMER_UPDATES}),
    Role.ACCOUNT_MANAGER: frozenset({Capability.VIEW_CONSOLE, Capability.POST_CUSTOMER_UPDATES,
                                     Capability.SCHEDULE_NOTICES, Capability.VIEW_ANALYTICS,
                                     Capability.RECORD_TICKET_VOLUMES}),
    Role.ESCALATION_MANAGER: _ALL - {Capability.MANAGE_ACCOUNTS},
    Role.ADMINISTRATOR: _ALL,
}


def can(user, capability: Capability | str) -> bool:
    """True when a signed-in staff user's role grants the capability."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_staff:
        return False
    return Capability(capability) in _GRANTS.get(user.role, frozenset())


def can_publish_to(user, organization) -> bool:
    """Messages to a whole customer organization (broadcasts, its report summaries): its
    account manager, escalation managers and administrators."""
    if not can(user, Capability.POST_CUSTOMER_UPDATES):
        return False
    if user.role in (Role.ESCALATION_MANAGER, Role.ADMINISTRATOR):
        return True
    return user.role == Role.ACCOUNT_MANAGER and organization.account_manager_id == user.id


def can_publish_on(user, escalation) -> bool:
    """A customer update on one escalation (updates, approvals, corrections, scheduled notices,
    the post-incident review): its owner, its communicator, and whoever may publish to its
    whole organization."""
    if not can(user, Capability.POST_CUSTOMER_UPDATES):
        return False
    if user.id in (escalation.owner_id, escalation.communicator_id):
        return True
    return can_publish_to(user, escalation.organization)


def can_manage_webhooks(user, organization_id: int | None) -> bool:
    """Webhook endpoints of an organization (None: a staff team's): that organization's
    customer admins, and staff who may manage webhooks (any organization's, and the teams')."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff:
        return can(user, Capability.MANAGE_WEBHOOKS)
    return (user.role == Role.CUSTOMER_ADMIN and organization_id is not None
            and user.organization_id == organization_id)


def requires(capability: Capability):
    """View decorator: 403 unless the current user's role grants the capability.
    (The admin blueprint already sent anonymous users to sign in and refused customers.)"""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not can(current_user, capability):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate
