"""The customer's escalation page, read: everything it shows for one viewer, in a constant
number of queries whatever the length of the timeline or the plan.

The escalation comes with its people, its organization's SLA policy and the viewer's own
choices in one statement, its status history in a second; the timeline, milestones, steps and
exit criteria are one statement each with their people joined; the SLA clocks reuse the
timeline instead of querying again. Every row is customer-visible (`customer_visible`, DESIGN.md
invariant 2); tenancy comes from the session's scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from types import SimpleNamespace

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from portal.accounts.models import Organization, SlaPolicy, User
from portal.clock import now
from portal.escalations import sla
from portal.escalations.clocks import calendar_for, compute_for, targets_for
from portal.escalations.models import (
    Escalation,
    EscalationRequest,
    ExitCriterion,
    Milestone,
    RemediationStep,
    Subscription,
    SurveyResponse,
    Update,
)
from portal.escalations.promises import counts_as_update
from portal.escalations.queries import customer_visible, plan_items_for
from portal.extensions import db


@dataclass(frozen=True)
class CustomerEscalationPage:
    escalation: Escalation
    subscribed: bool | None  # the viewer's choice; None: never chose (subscribed by default)
    survey_score: int | None
    open_request: EscalationRequest | None  # the viewer's own, not yet handled
    updates: list[Update]  # newest first, retracted ones as stubs
    milestones: list[Milestone]
    steps: list[RemediationStep]
    criteria: list[ExitCriterion]
    clocks: sla.SlaClocks


def load(escalation_id: int, viewer: User) -> CustomerEscalationPage | None:
    """The page for `viewer`, or None when the escalation is not there for them."""
    row = _escalation_with_choices(escalation_id, viewer)
    if row is None:
        return None
    escalation, subscribed, survey_score, open_request = row
    # Not queries.timeline_for: its selectinload of authors would cost a query more.
    updates = db.session.scalars(
        select(Update)
        .where(Update.escalation_id == escalation.id,
               customer_visible(Update, retracted_stubs=True))
        .options(joinedload(Update.author))
        .order_by(Update.created_at.desc(), Update.id.desc())
    ).unique().all()
    return CustomerEscalationPage(
        escalation=escalation, subscribed=subscribed, survey_score=survey_score,
        open_request=open_request, updates=updates,
        milestones=db.session.scalars(
            plan_items_for(Milestone, escalation.id, customer_view=True)).all(),
        steps=db.session.scalars(
            plan_items_for(RemediationStep, escalation.id, customer_view=True).options(
                joinedload(RemediationStep.owner), joinedload(RemediationStep.completed_by))
        ).unique().all(),
        criteria=db.session.scalars(
            plan_items_for(ExitCriterion, escalation.id, customer_view=True)).all(),
        clocks=_clocks(escalation, updates),
    )


def validator(escalation_id: int, viewer: User) -> tuple | None:
    """What the page shows changes only when one of these does (one statement; None when the
    escalation is not there for `viewer`): the escalation's customer-visible stamp (it moves
    with every customer-visible update, status, owner, plan item and published report:
    `customer_saw_change`), the viewer's own choices on it, and who the organization's
    account manager and support plan are. Internal notes move none of them."""
    row = db.session.execute(_statements().validator, {
        "escalation_id": escalation_id, "viewer_id": viewer.id}).first()
    return tuple(row) if row is not None else None


@cache
def _statements() -> SimpleNamespace:
    """The page's statements, built once: a statement is immutable, and building one with
    its scalar subqueries and loader options costs more than running it. The escalation and
    the viewer are bound parameters (`escalation_id`, `viewer_id`)."""
    escalation_id, viewer_id = bindparam("escalation_id"), bindparam("viewer_id")
    subscribed = select(Subscription.subscribed).where(
        Subscription.escalation_id == Escalation.id, Subscription.user_id == viewer_id
    ).scalar_subquery()
    survey_score = select(SurveyResponse.score).where(
        SurveyResponse.escalation_id == Escalation.id, SurveyResponse.user_id == viewer_id
    ).scalar_subquery()
    latest_open_request = select(func.max(EscalationRequest.id)).where(
        EscalationRequest.escalation_id == Escalation.id,
        EscalationRequest.requested_by_id == viewer_id,
        EscalationRequest.handled_at.is_(None),
    ).scalar_subquery()
    open_request = aliased(EscalationRequest)
    return SimpleNamespace(
        validator=select(Escalation.customer_changed_at, Escalation.status, subscribed,
                         survey_score, latest_open_request, Organization.account_manager_id,
                         Organization.sla_policy_id)
        .join(Organization, Organization.id == Escalation.organization_id)
        .where(Escalation.id == escalation_id),
        escalation=select(Escalation, subscribed, survey_score, open_request)
        .outerjoin(open_request, open_request.id == latest_open_request)
        .where(Escalation.id == escalation_id)
        .options(
            joinedload(Escalation.owner),
            joinedload(Escalation.communicator),
            joinedload(Escalation.organization).options(
                joinedload(Organization.sla_policy).joinedload(SlaPolicy.targets),
                joinedload(Organization.account_manager),
            ),
            selectinload(Escalation.status_history),
        ),
    )


def _clocks(escalation: Escalation, updates: list[Update]) -> sla.SlaClocks:
    """What `clocks_for` computes, without its query: the newest update that counts is already
    on the timeline (newest first; `portal.escalations.promises` says which entries count)."""
    last = next((u for u in updates if counts_as_update(u)), None)
    return compute_for(
        escalation,
        calendar=calendar_for(escalation),
        targets=targets_for(escalation),
        history=(sla.StatusChange(at=change.at, status=change.to_status.value)
                 for change in escalation.status_history),
        last_update_at=last.created_at if last else None,
        next_update_by=last.next_update_by if last else None,
        at=now(),
    )


def _escalation_with_choices(escalation_id: int, viewer: User):
    """The escalation with its people and SLA policy, plus the viewer's own choices on it
    (subscription, survey score, open escalation request) in the same statement."""
    row = db.session.execute(_statements().escalation, {
        "escalation_id": escalation_id, "viewer_id": viewer.id}).unique().first()
    return tuple(row) if row is not None else None
