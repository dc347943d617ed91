"""Creating and editing organizations (customer accounts) from the staff console.

Each operation validates everything before it changes anything, writes its audit event with
the before and after values of the fields that changed, keeps what depends on the account
current (SLA due instants, composite priorities of its open escalations) and leaves the commit
to the caller. Refused input raises `OperationError(message, field)`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import available_timezones

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal import audit
from portal.accounts.models import Organization, SlaPolicy, User
from portal.enums import OPEN_STATUSES, Role, Segment
from portal.escalations.due import refresh_due_instants
from portal.escalations.models import Escalation
from portal.escalations.operations.tiers import recompute_priority
from portal.extensions import db
from portal.operations import OperationError

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_REVENUE = 10**15  # whole US dollars; anything larger is a typo
AUDITED_FIELDS = ("name", "slug", "segment", "annual_revenue", "timezone", "sla_policy_id",
                  "account_manager_id")
CALENDAR_FIELDS = {"timezone", "sla_policy_id"}
PRIORITY_FIELDS = {"segment", "annual_revenue"}


@dataclass(frozen=True)
class OrganizationInput:
    name: str
    slug: str
    segment: Segment
    annual_revenue: int
    timezone: str
    sla_policy_id: int | None
    account_manager_id: int | None = None


def timezone_names() -> list[str]:
    """Every IANA timezone this machine knows, sorted (the form's choices)."""
    return sorted(available_timezones())


def organizations_by_name():
    """Every customer organization, by name (a `select()`)."""
    return select(Organization).order_by(func.lower(Organization.name), Organization.id)


def organizations_with_open_counts() -> list:
    """(organization with its SLA policy and account manager, open escalations) by name."""
    open_counts = (select(Escalation.organization_id, func.count().label("open"))
                   .where(Escalation.status.in_(OPEN_STATUSES))
                   .group_by(Escalation.organization_id).subquery())
    return db.session.execute(
        select(Organization, func.coalesce(open_counts.c.open, 0))
        .outerjoin(open_counts, open_counts.c.organization_id == Organization.id)
        .options(joinedload(Organization.sla_policy), joinedload(Organization.account_manager))
        .order_by(func.lower(Organization.name))).all()


def open_escalation_count(organization_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Escalation)
        .where(Escalation.organization_id == organization_id,
               Escalation.status.in_(OPEN_STATUSES)))


def organization_names() -> dict[int, str]:
    """Every organization's name by id (one query)."""
    return dict(db.session.execute(select(Organization.id, Organization.name)).all())


def account_managers():
    """Active staff who may manage an account, by name (a `select()`)."""
    return (select(User)
            .where(User.role == Role.ACCOUNT_MANAGER, User.active.is_(True))
            .order_by(func.lower(User.name), User.id))


def open_escalations_of(organization_ids) -> list:
    ids = list(organization_ids)
    if not ids:
        return []
    return db.session.scalars(
        select(Escalation).where(Escalation.organization_id.in_(ids),
                                 Escalation.status.in_(OPEN_STATUSES))
        .order_by(Escalation.id)).all()


def refresh_open_escalations(organization_ids, *, calendar: bool, priority: bool) -> int:
    """Recompute what an account change moves on its open escalations; answers how many."""
    escalations = open_escalations_of(organization_ids)
    for escalation in escalations:
        if priority:
            recompute_priority(escalation)
        if calendar:
            refresh_due_instants(escalation)
    return len(escalations)


def _validated(data: OrganizationInput, *, current: Organization | None):
    name = (data.name or "").strip()
    if not name:
        raise OperationError("Give the organization's name.", "name")
    if len(name) > 200:
        raise OperationError("Use at most 200 characters.", "name")
    slug = (data.slug or "").strip().lower()
    if not SLUG_RE.match(slug) or len(slug) > 80:
        raise OperationError("Use lowercase letters, digits and single hyphens (at most 80).",
                           "slug")
    others = select(Organization.id)
    if current is not None:
        others = others.where(Organization.id != current.id)
    if db.session.scalar(others.where(func.lower(Organization.name) == name.lower())):
        raise OperationError("Another organization already has this name.", "name")
    if db.session.scalar(others.where(Organization.slug == slug)):
        raise OperationError("Another organization already uses this slug.", "slug")
    if not isinstance(data.segment, Segment):
        raise OperationError("Choose strategic, enterprise or growth.", "segment")
    if not isinstance(data.annual_revenue, int) or not 0 <= data.annual_revenue < MAX_REVENUE:
        raise OperationError("Give the annual revenue in whole dollars, 0 or more.",
                           "annual_revenue")
    if data.timezone not in available_timezones():
        raise OperationError("Choose a timezone from the list (for example Europe/Berlin).",
                           "timezone")
    policy = db.session.get(SlaPolicy, data.sla_policy_id) if data.sla_policy_id else None
    if policy is None:
        raise OperationError("Choose the support plan.", "sla_policy_id")
    manager = None
    if data.account_manager_id is not None:
        manager = db.session.get(User, data.account_manager_id)
        # Keeping the current manager is always allowed, even once they moved on: editing
        # another field must not silently drop them.
        kept = current is not None and manager is not None and \
            manager.id == current.account_manager_id
        if manager is None or not kept and (manager.role != Role.ACCOUNT_MANAGER
                                            or not manager.active):
            raise OperationError("Choose an active account manager.", "account_manager_id")
    return name, slug, policy, manager


def create_organization(data: OrganizationInput, *, actor: User) -> Organization:
    """A new customer account. Raises OperationError (with its field) for any bad value."""
    name, slug, policy, manager = _validated(data, current=None)
    organization = Organization(name=name, slug=slug, segment=data.segment,
                                annual_revenue=data.annual_revenue, timezone=data.timezone,
                                sla_policy=policy, account_manager=manager)
    db.session.add(organization)
    db.session.flush()
    audit.record("organization.created", actor=actor, obj=organization,
                 organization_id=organization.id,
                 after=audit.snapshot(organization, AUDITED_FIELDS))
    return organization


def update_organization(organization: Organization, data: OrganizationInput, *,
                        actor: User) -> Organization:
    """Edit an account. Raises OperationError like `create_organization`.

    A new timezone or plan moves the SLA due instants of the account's open escalations; a
    new segment or revenue moves their composite priorities: both are recomputed here.
    """
    name, slug, policy, manager = _validated(data, current=organization)
    before = audit.snapshot(organization, AUDITED_FIELDS)
    organization.name, organization.slug = name, slug
    organization.segment, organization.annual_revenue = data.segment, data.annual_revenue
    organization.timezone = data.timezone
    organization.sla_policy = policy
    organization.sla_policy_id = policy.id
    organization.account_manager = manager
    organization.account_manager_id = manager.id if manager else None
    after = audit.snapshot(organization, AUDITED_FIELDS)
    changed = {field for field in AUDITED_FIELDS if before[field] != after[field]}
    audit.record_change("organization.updated", actor=actor, obj=organization,
                        organization_id=organization.id, before=before, after=after)
    if changed & (CALENDAR_FIELDS | PRIORITY_FIELDS):
        db.session.flush()
        refresh_open_escalations([organization.id], calendar=bool(changed & CALENDAR_FIELDS),
                                 priority=bool(changed & PRIORITY_FIELDS))
    return organization
