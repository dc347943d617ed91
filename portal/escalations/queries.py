"""Reads. Everything that leaves for a customer reads customer-visible rows through
`customer_visible()` (DESIGN.md invariant 2); tenancy is applied by the session, not here.

Queries return `select()` statements so callers can paginate, count or add options.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Integer, Select, func, literal_column, select
from sqlalchemy.orm import selectinload

from portal.enums import OPEN_STATUSES, Visibility
from portal.escalations.models import (
    Escalation,
    EscalationRequest,
    ExitCriterion,
    Handoff,
    Milestone,
    RemediationStep,
    Update,
    UpdateApproval,
    UpdateRevision,
    UpdateTemplate,
)
from portal.extensions import db
from portal.settings import HANDOFF_ACKNOWLEDGE_MINUTES, get_setting

VISIBLE_TO_CUSTOMERS = (Update, Milestone, RemediationStep, ExitCriterion)


def customer_visible(model, *, retracted_stubs: bool = False):
    """The one filter that keeps internal rows away from customers. `retracted_stubs` keeps
    retracted customer updates, for the timeline's "This update was retracted" stub only (their
    text is gone: `retract_update` moves it to a staff-only revision)."""
    if model not in VISIBLE_TO_CUSTOMERS:
        raise TypeError(f"{model.__name__} has no customer visibility")
    criteria = model.visibility == Visibility.CUSTOMER
    if model is Update and not retracted_stubs:
        criteria = criteria & Update.retracted_at.is_(None)
    return criteria


def not_a_drill():
    """Escalations that are real (not a staff drill, `portal.drills`): customers' pages get
    this from the tenancy criteria; what runs unscoped for them (digests, PDFs, analytics)
    adds it here."""
    return Escalation.is_drill.is_(False)


def escalations_for_organization(organization_id: int, *, open_only: bool = True) -> Select:
    """An organization's escalations, most urgent first, with owner and communicator loaded."""
    stmt = (
        select(Escalation)
        .where(Escalation.organization_id == organization_id, not_a_drill())
        .options(selectinload(Escalation.owner), selectinload(Escalation.communicator))
        .order_by(Escalation.severity, Escalation.priority_score.desc(), Escalation.opened_at)
    )
    if open_only:
        stmt = stmt.where(Escalation.status.in_(OPEN_STATUSES))
    return stmt


def open_escalations() -> Select:
    """Every open escalation across accounts, by composite priority (the staff queue)."""
    return (
        select(Escalation)
        .where(Escalation.status.in_(OPEN_STATUSES))
        .options(
            selectinload(Escalation.organization),
            selectinload(Escalation.owner),
            selectinload(Escalation.communicator),
        )
        .order_by(Escalation.priority_score.desc(), Escalation.opened_at)
    )


def timeline_for(escalation_id: int, *, customer_view: bool) -> Select:
    """The escalation's updates, newest first; customers get customer-visible ones only."""
    stmt = (
        select(Update)
        .where(Update.escalation_id == escalation_id)
        .options(selectinload(Update.author))
        .order_by(Update.created_at.desc(), Update.id.desc())
    )
    return stmt.where(customer_visible(Update)) if customer_view else stmt


def plan_items_for(model, escalation_id: int, *, customer_view: bool) -> Select:
    """Milestones, remediation steps or exit criteria of one escalation, in order."""
    order = model.due_at if model is Milestone else model.position
    stmt = select(model).where(model.escalation_id == escalation_id).order_by(order, model.id)
    return stmt.where(customer_visible(model)) if customer_view else stmt


# A handoff is pending while unacknowledged and its receiver still owns the escalation: a
# later transfer supersedes an unacknowledged one (nobody should acknowledge it any more).
PENDING_HANDOFF = (Handoff.acknowledged_at.is_(None)) & Handoff.escalation.has(
    Escalation.owner_id == Handoff.to_user_id)


def pending_handoffs_for(user_id: int) -> Select:
    """Handoffs waiting for this user's acknowledgement, oldest first."""
    return _pending_handoffs().where(Handoff.to_user_id == user_id)


def handoff_acknowledge_within() -> timedelta:
    """How long a handoff may wait for its receiver before it is flagged overdue (a runtime
    setting administrators change)."""
    return timedelta(minutes=int(get_setting(*HANDOFF_ACKNOWLEDGE_MINUTES)))


def _pending_handoffs() -> Select:
    return (
        select(Handoff)
        .where(PENDING_HANDOFF)
        .options(selectinload(Handoff.escalation), selectinload(Handoff.from_user),
                 selectinload(Handoff.to_user))
        .order_by(Handoff.created_at, Handoff.id)
    )


def pending_handoffs_from(user_id: int) -> Select:
    """Handoffs this user made that still wait for their receiver, oldest first."""
    return _pending_handoffs().where(Handoff.from_user_id == user_id,
                                     Handoff.to_user_id != user_id)


def pending_handoff_count_for(user_id: int) -> Select:
    """How many handoffs wait for this user's acknowledgement (the navigation badge)."""
    return select(func.count(Handoff.id)).where(Handoff.to_user_id == user_id, PENDING_HANDOFF)


def overdue_handoffs(at: datetime, *, within: timedelta | None = None) -> Select:
    """Handoffs still unacknowledged `within` (default: the runtime setting
    handoffs.acknowledge_within_minutes) since they were made, as of `at`; oldest first,
    with escalation, giver and receiver loaded. The scheduler notifies on these."""
    within = handoff_acknowledge_within() if within is None else within
    return _pending_handoffs().where(Handoff.created_at < at - within)


def handoffs_of_escalation(escalation_id: int) -> Select:
    """Every ownership transfer of one escalation, newest first."""
    return (
        select(Handoff)
        .where(Handoff.escalation_id == escalation_id)
        .options(selectinload(Handoff.from_user), selectinload(Handoff.to_user))
        .order_by(Handoff.created_at.desc(), Handoff.id.desc())
    )


# ------------------------------------------------------------------ the timeline's revisions
def revision_counts(escalation_id: int) -> dict[int, int]:
    """How often each update of an escalation was corrected, by update id (one query)."""
    return dict(db.session.execute(
        select(UpdateRevision.update_id, func.count()).join(Update)
        .where(Update.escalation_id == escalation_id).group_by(UpdateRevision.update_id)
    ).all())


def revisions_of(update_id: int) -> Select:
    """An update's earlier texts with who changed them, newest first."""
    return (select(UpdateRevision).where(UpdateRevision.update_id == update_id)
            .options(selectinload(UpdateRevision.revised_by))
            .order_by(UpdateRevision.revised_at.desc(), UpdateRevision.id.desc()))


def active_update_templates() -> Select:
    return (select(UpdateTemplate).where(UpdateTemplate.archived_at.is_(None))
            .order_by(UpdateTemplate.name))


# ------------------------------------------------------------------------------ approvals
def held_updates_of(escalation_id: int, *, limit: int = 10) -> Select:
    """An escalation's customer updates waiting for (or refused) approval, newest first."""
    return (select(UpdateApproval)
            .where(UpdateApproval.escalation_id == escalation_id,
                   UpdateApproval.state != "approved")
            .order_by(UpdateApproval.submitted_at.desc()).limit(limit))


def pending_handoff_count_column(user_id: int):
    """`pending_handoff_count_for` as a column, for a page that reads the navigation's badge
    with its own statement; the id is written in (the page's statements are remembered per
    viewer, and PostgreSQL keeps a generic plan for a statement without parameters)."""
    viewer = literal_column(str(int(user_id)), Integer)
    return (select(func.count(Handoff.id)).where(Handoff.to_user_id == viewer, PENDING_HANDOFF)
            .scalar_subquery())


def pending_approval_count_column():
    """`pending_approval_count` as a column (see `pending_handoff_count_column`)."""
    return (select(func.count()).select_from(UpdateApproval)
            .where(UpdateApproval.state == literal_column("'pending'")).scalar_subquery())


def pending_approval_count() -> int:
    return db.session.scalar(select(func.count()).select_from(UpdateApproval).where(
        UpdateApproval.state == "pending")) or 0


def pending_approvals() -> Select:
    """Updates waiting for a second person, oldest first, with author and escalation."""
    return (select(UpdateApproval).where(UpdateApproval.state == "pending")
            .options(selectinload(UpdateApproval.author),
                     selectinload(UpdateApproval.escalation).selectinload(
                         Escalation.organization))
            .order_by(UpdateApproval.submitted_at))


def recently_decided_approvals(*, limit: int = 20) -> Select:
    return (select(UpdateApproval).where(UpdateApproval.state != "pending")
            .options(selectinload(UpdateApproval.author),
                     selectinload(UpdateApproval.decided_by),
                     selectinload(UpdateApproval.escalation))
            .order_by(UpdateApproval.decided_at.desc()).limit(limit))


def pending_handoff_to_owner(escalation: Escalation) -> Select:
    """The unacknowledged handoff to the escalation's current owner, newest first."""
    return (select(Handoff).where(Handoff.escalation_id == escalation.id,
                                  Handoff.acknowledged_at.is_(None),
                                  Handoff.to_user_id == escalation.owner_id)
            .order_by(Handoff.created_at.desc(), Handoff.id.desc()).limit(1))


def sample_escalation() -> Select:
    """The escalation previews are rendered for: the most urgent open one, else any."""
    return (select(Escalation).order_by(Escalation.status.in_(OPEN_STATUSES).desc(),
                                        Escalation.priority_score.desc(), Escalation.id)
            .limit(1))


def update_templates(*, archived_last: bool = True) -> Select:
    order = (UpdateTemplate.archived_at.is_not(None),) if archived_last else ()
    return select(UpdateTemplate).order_by(*order, UpdateTemplate.name)


def escalation_request_entries(escalation_id: int) -> set[tuple[int, datetime]]:
    """(author id, instant) of the escalation's timeline entries that are customers' requests
    for the next level: the request and its entry are written at the same instant by the same
    person (`request_escalation`), so the timeline can tag them without a link column."""
    return {(row.requested_by_id, row.created_at) for row in db.session.execute(
        select(EscalationRequest.requested_by_id, EscalationRequest.created_at)
        .where(EscalationRequest.escalation_id == escalation_id))}
