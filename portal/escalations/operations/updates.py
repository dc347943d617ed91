"""Timeline updates, and the notices they send."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from portal import audit
from portal.accounts.models import User
from portal.clock import now
from portal.enums import Role, UpdateKind, Visibility
from portal.escalations import sla
from portal.escalations.clocks import calendar_for, compute_for, targets_for
from portal.escalations.due import refresh_due_instants
from portal.escalations.models import (
    Escalation,
    Update,
    UpdateApproval,
    UpdateRevision,
)
from portal.escalations.operations.common import (
    add_timeline_entry,
    customer_saw_change,
)
from portal.extensions import db
from portal.operations import OperationError
from portal.permissions import Capability, can, can_publish_on
from portal.settings import get_setting, set_setting


def post_update(escalation: Escalation, *, author: User, body: str, visibility: Visibility,
                next_update_by: datetime | None = None, kind: UpdateKind = UpdateKind.NOTE,
                at: datetime | None = None) -> Update:
    """Add an entry to the timeline.

    Customers may only post customer-visible comments on their own escalations. Raises
    OperationError for an empty body or a "next update by" commitment in the past.
    """
    if not body.strip():
        raise OperationError("Write something before posting.", "body")
    if not author.is_staff:
        own = author.organization_id == escalation.organization_id
        if visibility != Visibility.CUSTOMER or not own:
            raise PermissionError("customers comment customer-visibly on their own escalations")
        kind = UpdateKind.CUSTOMER_COMMENT
    if next_update_by is not None:
        if visibility != Visibility.CUSTOMER:
            raise OperationError("Only customer-visible updates promise a next update.",
                                 "next_update_by")
        if next_update_by <= (at or now()):
            raise OperationError("The next update must be promised for a time in the future.",
                                 "next_update_by")
    update = add_timeline_entry(escalation, author=author, kind=kind, visibility=visibility,
                       body=body.strip(), at=at, next_update_by=next_update_by)
    db.session.flush()
    audit.record("update.posted", actor=author, obj=update, escalation_id=escalation.id,
                 visibility=visibility.value)
    return update


# Severities (1–4) whose customer-visible updates need a second staff member's approval.
APPROVAL_REQUIRED_SEVERITIES = ("updates.approval_required_severities", [])

BODY_MAX = 20_000
REASON_MAX = 2_000


def approval_required(escalation: Escalation) -> bool:
    return escalation.severity in get_setting(*APPROVAL_REQUIRED_SEVERITIES)


def cadence_next_update_by(escalation: Escalation, *, at: datetime | None = None
                           ) -> datetime | None:
    """When the next update is due by the SLA cadence if an update is published `at` (default
    now): the default "next update by" of a customer-visible update. None once resolved."""
    at = at or now()
    clocks = compute_for(
        escalation, calendar=calendar_for(escalation), targets=targets_for(escalation),
        history=(sla.StatusChange(at=change.at, status=change.to_status.value)
                 for change in escalation.status_history),
        last_update_at=at, next_update_by=None, at=at,
    )
    return clocks.next_update.due_at if clocks.next_update else None


def _check_publisher(escalation: Escalation, actor: User) -> None:
    if not can_publish_on(actor, escalation):
        raise PermissionError("this user may not publish to this customer")


def check_customer_update(body: str, next_update_by: datetime | None) -> None:
    """Raises OperationError for an empty or long body, or a missing or past commitment."""
    if not body.strip():
        raise OperationError("Write something before posting.", "body")
    if len(body) > BODY_MAX:
        raise OperationError(f"Keep an update under {BODY_MAX:,} characters.", "body")
    if next_update_by is None:
        raise OperationError("Say when the customer will hear from us next.", "next_update_by")
    if next_update_by <= now():
        raise OperationError("The next update must be promised for a time in the future.",
                             "next_update_by")


def publish_customer_update(escalation: Escalation, *, author: User, body: str,
                            next_update_by: datetime | None) -> Update | UpdateApproval:
    """Publish a staff update to the customer, or, when the escalation's severity asks for a
    second approval, hold it as an UpdateApproval (invisible to customers, no notices).

    The same text from the same author within DUPLICATE_WINDOW (a form sent twice) returns the
    first one: customers are never told twice.

    Raises PermissionError unless `author` may publish on this escalation (its owner or
    communicator, the account's manager, escalation managers, administrators),
    OperationError for an empty body or a missing or past commitment.
    """
    _check_publisher(escalation, author)
    check_customer_update(body, next_update_by)
    earlier = recent_duplicate(escalation, author=author, body=body,
                               visibility=Visibility.CUSTOMER)
    if earlier is not None:
        return earlier
    if approval_required(escalation):
        pending = UpdateApproval(organization_id=escalation.organization_id,
                                 escalation_id=escalation.id, author=author, body=body.strip(),
                                 next_update_by=next_update_by, submitted_at=now())
        db.session.add(pending)
        audit.record("update.submitted_for_approval", actor=author, obj=pending,
                     escalation_id=escalation.id, severity=escalation.severity)
        return pending
    return post_update(escalation, author=author, body=body, visibility=Visibility.CUSTOMER,
                       next_update_by=next_update_by)


DUPLICATE_WINDOW = timedelta(minutes=2)


def recent_duplicate(escalation: Escalation, *, author: User, body: str,
                     visibility: Visibility) -> Update | UpdateApproval | None:
    """The same author's identical entry on this escalation within DUPLICATE_WINDOW (a
    double-clicked or re-sent form), published or held for approval."""
    since = now() - DUPLICATE_WINDOW
    body = body.strip()
    update = db.session.scalars(
        select(Update).where(Update.escalation_id == escalation.id,
                             Update.author_id == author.id, Update.visibility == visibility,
                             Update.created_at >= since, Update.retracted_at.is_(None),
                             Update.body == body)
        .order_by(Update.id).limit(1)).first()
    if update is not None or visibility != Visibility.CUSTOMER:
        return update
    return db.session.scalars(
        select(UpdateApproval).where(UpdateApproval.escalation_id == escalation.id,
                                     UpdateApproval.author_id == author.id,
                                     UpdateApproval.state == "pending",
                                     UpdateApproval.submitted_at >= since,
                                     UpdateApproval.body == body)
        .order_by(UpdateApproval.id).limit(1)).first()


def approve_update(pending: UpdateApproval, *, approver: User,
                   next_update_by: datetime | None = None) -> Update:
    """Publish a held update as its author wrote it (notices, customer's change stamp and the
    next-update commitment all happen now, once). The approver may move the commitment if it
    has passed meanwhile.

    Raises PermissionError when the approver wrote it or may not publish to this customer,
    OperationError when it was already decided or the commitment is in the past.
    """
    escalation = pending.escalation
    if pending.author_id == approver.id:
        raise PermissionError("a second staff member approves, not the author")
    _check_publisher(escalation, approver)
    if not pending.is_pending:
        raise OperationError("This update was already decided.")
    commitment = next_update_by or pending.next_update_by
    check_customer_update(pending.body, commitment)
    update = post_update(escalation, author=pending.author, body=pending.body,
                         visibility=Visibility.CUSTOMER, next_update_by=commitment)
    pending.state, pending.decided_by, pending.decided_at = "approved", approver, now()
    pending.update_id = update.id
    audit.record("update.approved", actor=approver, obj=pending, escalation_id=escalation.id,
                 update_id=update.id, author_id=pending.author_id)
    return update


def reject_update(pending: UpdateApproval, *, approver: User, reason: str) -> None:
    """Send a held update back with a reason; it is never published.

    Raises PermissionError as approve_update does, OperationError without a reason or when it
    was already decided.
    """
    if pending.author_id == approver.id:
        raise PermissionError("a second staff member decides, not the author")
    _check_publisher(pending.escalation, approver)
    if not pending.is_pending:
        raise OperationError("This update was already decided.")
    if not reason.strip():
        raise OperationError("Tell the author why, so they can fix it.", "reason")
    if len(reason) > REASON_MAX:
        raise OperationError(f"Keep the reason under {REASON_MAX:,} characters.", "reason")
    pending.state, pending.decided_by, pending.decided_at = "rejected", approver, now()
    pending.reason = reason.strip()
    audit.record("update.rejected", actor=approver, obj=pending,
                 escalation_id=pending.escalation_id, author_id=pending.author_id)


def may_revise(update: Update, actor: User) -> bool:
    """The author, an escalation manager or an administrator; customer-visible ones also need
    the right to publish to this customer. Customers' comments and retracted updates: never."""
    if update.retracted_at is not None or update.kind == UpdateKind.CUSTOMER_COMMENT:
        return False
    if not actor.is_staff:
        return False
    senior = actor.role in (Role.ESCALATION_MANAGER, Role.ADMINISTRATOR)
    if update.author_id != actor.id and not senior:
        return False
    if update.is_customer_visible:
        return can_publish_on(actor, db.session.get(Escalation, update.escalation_id))
    return can(actor, Capability.WORK_ESCALATIONS) or update.author_id == actor.id


def _revision(update: Update, actor: User, action: str, reason: str = "") -> UpdateRevision:
    revision = UpdateRevision(organization_id=update.organization_id, update_id=update.id,
                              action=action, body=update.body,
                              next_update_by=update.next_update_by, reason=reason,
                              revised_by=actor, revised_at=now())
    db.session.add(revision)
    return revision


def edit_update(update: Update, *, actor: User, body: str, reason: str = "") -> Update:
    """Correct an update's text. The previous text goes to an UpdateRevision and the audit log;
    customers see "Corrected" and the new text only.

    Raises PermissionError unless may_revise(), OperationError for an empty or unchanged body.
    """
    if not may_revise(update, actor):
        raise PermissionError("only the author or a manager may edit this update")
    body = body.strip()
    if not body:
        raise OperationError("An update cannot be empty; retract it instead.", "body")
    if len(body) > BODY_MAX:
        raise OperationError(f"Keep an update under {BODY_MAX:,} characters.", "body")
    if body == update.body:
        raise OperationError("Nothing changed.", "body")
    before = audit.snapshot(update, ["body"])
    _revision(update, actor, "edited", reason.strip())
    update.body, update.edited_at = body, now()
    audit.record_change("update.edited", actor=actor, obj=update, before=before,
                        after=audit.snapshot(update, ["body"]),
                        escalation_id=update.escalation_id, reason=reason.strip() or None)
    if update.is_customer_visible:
        customer_saw_change(db.session.get(Escalation, update.escalation_id))
    return update


def retract_update(update: Update, *, actor: User, reason: str) -> Update:
    """Withdraw an update. Its text moves to an UpdateRevision (so no customer page can ever
    show it again); customers see a "retracted" stub; its commitment no longer counts.

    Raises PermissionError unless may_revise(), OperationError without a reason.
    """
    if not may_revise(update, actor):
        raise PermissionError("only the author or a manager may retract this update")
    if not reason.strip():
        raise OperationError("Say why it is retracted (staff only see this).", "reason")
    if len(reason) > REASON_MAX:
        raise OperationError(f"Keep the reason under {REASON_MAX:,} characters.", "reason")
    _revision(update, actor, "retracted", reason.strip())
    update.body, update.retracted_at = "", now()
    audit.record("update.retracted", actor=actor, obj=update, escalation_id=update.escalation_id,
                 reason=reason.strip(), visibility=update.visibility.value)
    escalation = db.session.get(Escalation, update.escalation_id)
    if update.is_customer_visible:
        customer_saw_change(escalation)
    db.session.flush()
    refresh_due_instants(escalation)  # a retracted commitment no longer counts
    return update


def set_approval_severities(severities: list[int], *, actor: User) -> None:
    """Which severities' customer updates need a second approval. Raises OperationError for a
    severity outside 1–4."""
    if any(severity not in (1, 2, 3, 4) for severity in severities):
        raise OperationError("Severities are 1 to 4.", "severities")
    set_setting(APPROVAL_REQUIRED_SEVERITIES[0], sorted(set(severities)), actor=actor)

