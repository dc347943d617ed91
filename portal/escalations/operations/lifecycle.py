"""The escalation lifecycle: open, move through the workflow, change severity or tier, hand
ownership over. Each operation validates, writes its audit event, and leaves the commit to
the caller; a refused change leaves nothing behind."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal import audit
from portal.accounts.models import Organization, User
from portal.clock import now
from portal.enums import (
    OPEN_STATUSES,
    ReputationalRisk,
    Status,
    Tier,
    Trigger,
    UpdateKind,
    Visibility,
)
from portal.escalations import system_entries, workflow
from portal.escalations.due import refresh_due_instants
from portal.escalations.models import (
    Escalation,
    Handoff,
    SeverityChange,
    StatusChange,
)
from portal.escalations.operations.common import (
    HandoffTemplate,
    add_timeline_entry,
    customer_saw_change,
    new_handoff,
    require_staff,
    senior_threshold,
)
from portal.escalations.operations.tiers import (
    move_tier,
    recompute_priority,
    route_for_senior_involvement,
)
from portal.extensions import db
from portal.operations import OperationError

# Helpdesk ticket references look like `HD-12345`: a short system prefix, a dash, digits.
TICKET_PATTERN = re.compile(r"[A-Z]{2,10}-[0-9]{3,12}")
EDITABLE_FIELDS = ("title", "summary", "customer_impact", "product_area", "category",
                   "users_affected", "core_operations_blocked", "reputational_risk")
CUSTOMER_VISIBLE_FIELDS = ("title", "summary", "customer_impact")
PRIORITY_INPUTS = ("users_affected", "core_operations_blocked", "reputational_risk")
TITLE_MAX, LABEL_MAX = 200, 80


class DuplicateTicket(OperationError):
    """The ticket already has an open escalation; `existing` is that escalation."""

    def __init__(self, existing: Escalation):
        super().__init__(f"Ticket {existing.source_ticket} is already escalated as "
                         f"{existing.reference}.", "source_ticket")
        self.existing = existing


def normalize_ticket(reference: str) -> str:
    return reference.strip().upper()


def open_escalation_for_ticket(ticket: str) -> Escalation | None:
    """The open escalation lifted from this helpdesk ticket, if there is one."""
    return db.session.scalars(
        select(Escalation).where(Escalation.source_ticket == ticket,
                                 Escalation.status.in_(OPEN_STATUSES))
        .order_by(Escalation.id).limit(1)
    ).first()


def _check_ticket(source_ticket: str) -> str:
    ticket = normalize_ticket(source_ticket)
    if not ticket:
        return ""
    if not TICKET_PATTERN.fullmatch(ticket):
        raise OperationError("Enter the helpdesk ticket reference, like HD-12345.",
                             "source_ticket")
    existing = open_escalation_for_ticket(ticket)
    if existing is not None:
        raise DuplicateTicket(existing)
    return ticket


def open_escalation(
    organization: Organization,
    *,
    actor: User | None,
    title: str,
    severity: int,
    trigger: Trigger,
    handoff: HandoffTemplate,
    owner: User | None = None,
    communicator: User | None = None,
    product_area: str = "",
    category: str = "",
    source_ticket: str = "",
    users_affected: int = 0,
    core_operations_blocked: bool = False,
    reputational_risk: ReputationalRisk = ReputationalRisk.LOW,
    is_drill: bool = False,
) -> Escalation:
    """Lift a customer issue into an escalation, with the handoff template as its first record.

    Raises OperationError for a missing title, a severity outside 1–4, a malformed ticket
    reference or an incomplete handoff template, and DuplicateTicket when the ticket already
    has an open escalation.
    """
    require_staff(actor)
    if not title.strip():
        raise OperationError("Give the escalation a title.", "title")
    if severity not in (1, 2, 3, 4):
        raise OperationError("Severity must be between 1 and 4.", "severity")
    source_ticket = _check_ticket(source_ticket)
    if users_affected < 0:
        raise OperationError("Users affected cannot be negative.", "users_affected")
    handoff.check()
    opened = now()
    escalation = Escalation(
        organization=organization,
        organization_id=organization.id,
        title=title.strip(),
        summary=handoff.summary.strip(),
        customer_impact=handoff.customer_impact.strip(),
        severity=severity,
        trigger=trigger,
        status=Status.NEW,
        tier=Tier.L1,
        owner=owner,
        communicator=communicator,
        product_area=product_area,
        category=category,
        source_ticket=source_ticket,
        users_affected=users_affected,
        core_operations_blocked=core_operations_blocked,
        reputational_risk=reputational_risk,
        is_drill=is_drill,  # a rehearsal (portal.drills): hidden from customers from the start
        opened_at=opened,
        status_changed_at=opened,
    )
    recompute_priority(escalation)
    db.session.add(escalation)
    escalation.status_history.append(
        StatusChange(organization_id=organization.id, to_status=Status.NEW, at=opened,
                     actor=actor, reason="opened")
    )
    escalation.severity_history.append(
        SeverityChange(organization_id=organization.id, severity=severity, changed_at=opened,
                       actor=actor)
    )
    if owner is not None:
        db.session.add(new_handoff(escalation, actor, owner, handoff, at=opened))
    db.session.flush()
    refresh_due_instants(escalation, at=opened)
    audit.record("escalation.opened", actor=actor, obj=escalation, severity=severity,
                 trigger=trigger.value, source_ticket=source_ticket or None)
    threshold = senior_threshold()
    if escalation.priority_score >= threshold:  # senior involvement from the first minute
        route_for_senior_involvement(escalation, threshold=threshold, actor=actor)
    return escalation


def change_status(escalation: Escalation, target: Status, *, actor: User | None,
                  reason: str = "", visibility: Visibility = Visibility.CUSTOMER,
                  resolution_summary: str = "") -> StatusChange:
    """Move the escalation through the workflow and stamp the lifecycle timestamps.

    Raises IllegalTransition for a move the workflow refuses, OperationError when resolving
    without a resolution summary or reopening without a reason.
    """
    require_staff(actor)
    current = escalation.status
    workflow.check_status_transition(current, target)
    reopening = workflow.is_reopen(current, target)
    if target == Status.RESOLVED and not resolution_summary.strip():
        raise OperationError("Say how the problem was resolved.", "resolution_summary")
    if reopening and not reason.strip():
        raise OperationError("Say why the escalation is reopened.", "reason")
    at = now()
    change = StatusChange(organization_id=escalation.organization_id, from_status=current,
                          to_status=target, at=at, actor=actor, reason=reason.strip())
    escalation.status_history.append(change)
    escalation.status = target
    escalation.status_changed_at = at
    customer_saw_change(escalation, at)  # customers see the status, whatever the note's audience
    if target == Status.ACKNOWLEDGED and escalation.acknowledged_at is None:
        escalation.acknowledged_at = at
    elif target == Status.CONTAINED and escalation.contained_at is None:
        escalation.contained_at = at
    elif target == Status.RESOLVED:
        escalation.resolved_at = at
        escalation.resolution_summary = resolution_summary.strip()
    elif target == Status.CLOSED:
        escalation.closed_at = at
    elif reopening:
        escalation.resolved_at = None
        escalation.closed_at = None
    words = f"Status changed from {current.label.lower()} to {target.label.lower()}."
    if reopening:
        words = "Escalation reopened."
    detail = reason.strip() or (resolution_summary.strip() if target == Status.RESOLVED else "")
    add_timeline_entry(escalation, author=actor, kind=UpdateKind.STATUS_CHANGE,
                       visibility=visibility, body=f"{words}\n\n{detail}".strip(), at=at)
    audit.record("escalation.reopened" if reopening else "escalation.status_changed",
                 actor=actor, obj=escalation, from_status=current.value, to_status=target.value)
    return change


def change_severity(escalation: Escalation, severity: int, *, actor: User | None,
                    reason: str) -> None:
    """Set a new severity; SLA targets then apply to the whole history (DESIGN.md).

    Raises OperationError for a severity outside 1–4, the same severity, or no reason.
    """
    require_staff(actor)
    if severity not in (1, 2, 3, 4):
        raise OperationError("Severity must be between 1 and 4.", "severity")
    if severity == escalation.severity:
        raise OperationError(f"The escalation is already Sev {severity}.", "severity")
    if not reason.strip():
        raise OperationError("Say why the severity changes.", "reason")
    previous = escalation.severity
    escalation.severity = severity
    # The history clocks "as of T" read (portal.escalations.clocks.clocks_as_of).
    escalation.severity_history.append(
        SeverityChange(organization_id=escalation.organization_id, severity=severity,
                       changed_at=now(), actor=actor)
    )
    recompute_priority(escalation)
    add_timeline_entry(escalation, author=actor, kind=UpdateKind.SEVERITY_CHANGE,
                       visibility=Visibility.CUSTOMER,
                       body=system_entries.severity_change(previous, severity, reason))
    audit.record("escalation.severity_changed", actor=actor, obj=escalation,
                 from_severity=previous, to_severity=severity)


def edit_escalation(escalation: Escalation, *, actor: User | None, title: str,
                    product_area: str, category: str, users_affected: int,
                    core_operations_blocked: bool, reputational_risk: ReputationalRisk,
                    summary: str | None = None, customer_impact: str | None = None) -> bool:
    """Correct the descriptive fields and the business-impact inputs (summary and customer
    impact stay as they are when not given); the priority score is recomputed when an impact
    input changes. Returns whether anything changed.

    Raises OperationError for an empty or overlong title, an emptied summary or customer
    impact, an overlong label or a negative number of users.
    """
    require_staff(actor)
    title, product_area, category = title.strip(), product_area.strip(), category.strip()
    if not title:
        raise OperationError("Give the escalation a title.", "title")
    for name, value in (("summary", summary), ("customer_impact", customer_impact)):
        if value is not None and not value.strip():
            raise OperationError("This cannot be empty: customers read it.", name)
    if len(title) > TITLE_MAX:
        raise OperationError(f"Keep the title under {TITLE_MAX} characters.", "title")
    for name, value in (("product_area", product_area), ("category", category)):
        if len(value) > LABEL_MAX:
            raise OperationError(f"Keep this under {LABEL_MAX} characters.", name)
    if users_affected < 0:
        raise OperationError("Users affected cannot be negative.", "users_affected")
    before = audit.snapshot(escalation, EDITABLE_FIELDS)
    escalation.title = title
    if summary is not None:
        escalation.summary = summary.strip()
    if customer_impact is not None:
        escalation.customer_impact = customer_impact.strip()
    escalation.product_area = product_area
    escalation.category = category
    escalation.users_affected = users_affected
    escalation.core_operations_blocked = core_operations_blocked
    escalation.reputational_risk = reputational_risk
    after = audit.snapshot(escalation, EDITABLE_FIELDS)
    if any(before[name] != after[name] for name in PRIORITY_INPUTS):
        recompute_priority(escalation)
    if any(before[name] != after[name] for name in CUSTOMER_VISIBLE_FIELDS):
        customer_saw_change(escalation)
    return audit.record_change("escalation.edited", actor=actor, obj=escalation,
                               before=before, after=after) is not None


def change_tier(escalation: Escalation, target: Tier, *, actor: User | None,
                reason: str, trigger: Trigger | None = None) -> None:
    """Escalate or de-escalate one tier, with the reason (and what triggered it) on the
    timeline.

    Raises IllegalTransition for a jump of more than one tier, OperationError without a reason.
    """
    require_staff(actor)
    workflow.check_tier_transition(escalation.tier, target)
    if not reason.strip():
        raise OperationError("Say why the tier changes.", "reason")
    move_tier(escalation, target, actor=actor, reason=reason.strip(), trigger=trigger)


def transfer_ownership(escalation: Escalation, to_user: User, *, actor: User | None,
                       template: HandoffTemplate) -> Handoff:
    """Hand the escalation to another engineer; it stays pending until they acknowledge.

    `actor=None` is the system's path (on-call triage assigning the person on call): the
    handoff comes from nobody and waits for acknowledgement like any other, and the audit
    event names the system (inside `audit.acting_as`, whoever that says).

    Raises PermissionError for a customer actor; OperationError for a customer or inactive
    receiver, the current owner, or an incomplete handoff template.
    """
    require_staff(actor)
    if not to_user.is_staff or not to_user.active:
        raise OperationError("Hand off to an active member of staff.", "to_user")
    if escalation.owner_id == to_user.id:
        raise OperationError(f"{to_user.name} already owns this escalation.", "to_user")
    template.check()
    previous = escalation.owner
    handoff = new_handoff(escalation, actor, to_user, template, at=now())
    db.session.add(handoff)
    escalation.owner = to_user
    escalation.owner_id = to_user.id
    add_timeline_entry(escalation, author=actor, kind=UpdateKind.OWNERSHIP,
                       visibility=Visibility.CUSTOMER,
                       body=system_entries.ownership_for_customer(to_user.name))
    db.session.flush()
    audit.record("escalation.ownership_transferred", actor=actor, obj=escalation,
                 from_user_id=previous.id if previous else None, to_user_id=to_user.id,
                 handoff_id=handoff.id)
    return handoff


def acknowledge_handoff(handoff: Handoff, *, actor: User) -> None:
    """The receiver confirms they have the escalation. Raises PermissionError for anyone else,
    OperationError when it was already acknowledged or a later transfer superseded it."""
    if actor.id != handoff.to_user_id:
        raise PermissionError("only the receiver acknowledges a handoff")
    if handoff.acknowledged_at is not None:
        raise OperationError("This handoff was already acknowledged.")
    if handoff.escalation.owner_id != handoff.to_user_id:
        raise OperationError("A later handoff superseded this one: the escalation has "
                             "another owner now.")
    handoff.acknowledged_at = now()
    escalation = handoff.escalation
    add_timeline_entry(escalation, author=actor, kind=UpdateKind.OWNERSHIP,
                       visibility=Visibility.INTERNAL,
                       body=f"{actor.name} acknowledged the handoff"
                            + (f" from {handoff.from_user.name}." if handoff.from_user else "."))
    audit.record("handoff.acknowledged", actor=actor, obj=handoff,
                 escalation_id=handoff.escalation_id)


def assign_communicator(escalation: Escalation, communicator: User, *, actor: User) -> None:
    """Name who speaks to the customer. Raises OperationError for a non-staff user."""
    require_staff(actor)
    if not communicator.is_staff or not communicator.active:
        raise OperationError("The communicator must be an active member of staff.",
                             "communicator")
    if escalation.communicator_id == communicator.id:
        raise OperationError(f"{communicator.name} is already the communicator.",
                             "communicator")
    previous_id = escalation.communicator_id
    escalation.communicator = communicator
    escalation.communicator_id = communicator.id
    customer_saw_change(escalation)
    audit.record("escalation.communicator_assigned", actor=actor, obj=escalation,
                 communicator_id=communicator.id, previous_communicator_id=previous_id)
