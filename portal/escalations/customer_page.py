"""The customer's escalation page, read: everything it shows for one viewer, in a constant
number of queries whatever the length of the timeline or the plan.

The escalation comes with its people, its organization's SLA policy and the viewer's own
choices in one statement; its status history, the timeline, milestones, steps and exit criteria
are one statement each, read as plain columns with the names of the people they mention joined
(rows that are only displayed need no ORM entity: building those cost more than the SQL). The
SLA clocks reuse the timeline instead of querying again. Every statement is built once with the
escalation and the viewer as bound parameters. Every row is customer-visible
(`customer_visible`, DESIGN.md invariant 2); tenancy comes from the session's scope, whose
loader criteria apply to these column statements as to entities.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from types import SimpleNamespace

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import aliased, joinedload

from portal.accounts.models import Organization, SlaPolicy, User
from portal.clock import now
from portal.enums import Party, StepStatus, UpdateKind, Visibility
from portal.escalations import sla
from portal.escalations.clocks import calendar_for, compute_for, targets_for
from portal.escalations.models import (
    Escalation,
    EscalationRequest,
    ExitCriterion,
    Milestone,
    RemediationStep,
    StatusChange,
    Subscription,
    SurveyResponse,
    Update,
)
from portal.escalations.promises import counts_as_update
from portal.escalations.queries import customer_visible, plan_items_for
from portal.extensions import db


@dataclass(frozen=True, slots=True)
class Person:
    """Someone a row names: what the page prints of them (a customer's colleague has an
    organization; the vendor's staff none)."""
    name: str
    organization_id: int | None = None


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One customer-visible update as the timeline shows it (the fields `Update` has, so
    `promises.counts_as_update` reads it the same)."""
    id: int
    kind: UpdateKind
    visibility: Visibility
    body: str
    next_update_by: datetime | None
    created_at: datetime
    edited_at: datetime | None
    retracted_at: datetime | None
    author_id: int | None
    author: Person | None


@dataclass(frozen=True, slots=True)
class PlanMilestone:
    id: int
    title: str
    due_at: datetime
    completed_at: datetime | None

    def state(self, at: datetime | None = None) -> str:
        """Done, late or upcoming at the given instant (default: now): `Milestone.state`."""
        return Milestone.state(self, at)


@dataclass(frozen=True, slots=True)
class PlanStep:
    id: int
    title: str
    owner_party: Party
    status: StepStatus
    due_at: datetime | None
    validation_test: str
    success_metric: str
    completed_at: datetime | None
    completion_note: str
    owner: Person | None
    completed_by: Person | None


@dataclass(frozen=True, slots=True)
class PlanCriterion:
    id: int
    description: str
    met_at: datetime | None


@dataclass(frozen=True)
class CustomerEscalationPage:
    escalation: Escalation
    subscribed: bool | None  # the viewer's choice; None: never chose (subscribed by default)
    survey_score: int | None
    open_request: EscalationRequest | None  # the viewer's own, not yet handled
    updates: list[TimelineEntry]  # newest first, retracted ones as stubs
    milestones: list[PlanMilestone]
    steps: list[PlanStep]
    criteria: list[PlanCriterion]
    clocks: sla.SlaClocks


def load(escalation_id: int, viewer: User) -> CustomerEscalationPage | None:
    """The page for `viewer`, or None when the escalation is not there for them."""
    row = _escalation_with_choices(escalation_id, viewer)
    if row is None:
        return None
    escalation, subscribed, survey_score, open_request = row
    statements, execute = _statements(), db.session.execute
    bound = {"escalation_id": escalation.id}
    updates = [TimelineEntry(*values[:9], Person(values[9], values[10])
                             if values[9] is not None else None)
               for values in execute(statements.updates, bound)]
    history = [sla.StatusChange(at=at, status=status.value)
               for at, status in execute(statements.history, bound)]
    return CustomerEscalationPage(
        escalation=escalation, subscribed=subscribed, survey_score=survey_score,
        open_request=open_request, updates=updates,
        milestones=[PlanMilestone(*values) for values in execute(statements.milestones, bound)],
        steps=[PlanStep(*values[:9], owner=_person(values[9]), completed_by=_person(values[10]))
               for values in execute(statements.steps, bound)],
        criteria=[PlanCriterion(*values) for values in execute(statements.criteria, bound)],
        clocks=_clocks(escalation, updates, history),
    )


def _person(name: str | None) -> Person | None:
    return Person(name) if name is not None else None


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
    author, owner, completed_by = (aliased(User, name=name)
                                   for name in ("author", "owner", "completed_by"))
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
        ),
        # Ties (two moves in the same instant) in the order they were made, as
        # `Escalation.status_history` orders them.
        history=select(StatusChange.at, StatusChange.to_status)
        .where(StatusChange.escalation_id == escalation_id)
        .order_by(StatusChange.at, StatusChange.id),
        updates=select(Update.id, Update.kind, Update.visibility, Update.body,
                       Update.next_update_by, Update.created_at, Update.edited_at,
                       Update.retracted_at, Update.author_id, author.name,
                       author.organization_id)
        .outerjoin(author, author.id == Update.author_id)
        .where(Update.escalation_id == escalation_id,
               customer_visible(Update, retracted_stubs=True))
        .order_by(Update.created_at.desc(), Update.id.desc()),
        milestones=plan_items_for(Milestone, escalation_id, customer_view=True).with_only_columns(
            Milestone.id, Milestone.title, Milestone.due_at, Milestone.completed_at),
        steps=plan_items_for(RemediationStep, escalation_id, customer_view=True)
        .with_only_columns(
            RemediationStep.id, RemediationStep.title, RemediationStep.owner_party,
            RemediationStep.status, RemediationStep.due_at, RemediationStep.validation_test,
            RemediationStep.success_metric, RemediationStep.completed_at,
            RemediationStep.completion_note, owner.name, completed_by.name)
        .outerjoin(owner, owner.id == RemediationStep.owner_id)
        .outerjoin(completed_by, completed_by.id == RemediationStep.completed_by_id),
        criteria=plan_items_for(ExitCriterion, escalation_id, customer_view=True)
        .with_only_columns(ExitCriterion.id, ExitCriterion.description, ExitCriterion.met_at),
    )


def _clocks(escalation: Escalation, updates: list[TimelineEntry],
            history: list[sla.StatusChange]) -> sla.SlaClocks:
    """What `clocks_for` computes, without its query: the newest update that counts is already
    on the timeline (newest first; `portal.escalations.promises` says which entries count)."""
    last = next((u for u in updates if counts_as_update(u)), None)
    return compute_for(
        escalation,
        calendar=calendar_for(escalation),
        targets=targets_for(escalation),
        history=history,
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
