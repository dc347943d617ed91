"""What customers do on their escalation page: comment, ask for the next level, choose what
they hear, finish the remediation steps they own, and rate the outcome.

Each operation checks that the person is a customer of the escalation's organization (tenancy
already hides other organizations' rows; this says so again where it matters), validates,
writes its audit event, queues its notices, and leaves the commit to the caller.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.accounts.models import User
from portal.clock import now
from portal.enums import (
    NotificationPreference,
    Party,
    Status,
    StepStatus,
    Tier,
    UpdateKind,
    Visibility,
)
from portal.escalations import workflow
from portal.escalations.audiences import escalation_managers
from portal.escalations.models import (
    Escalation,
    EscalationRequest,
    RemediationStep,
    Subscription,
    SurveyResponse,
    Update,
)
from portal.escalations.operations.common import add_timeline_entry
from portal.escalations.operations.updates import post_update
from portal.extensions import db
from portal.notices.operations import enqueue_emails
from portal.operations import OperationError

COMMENT_MAX = 5000
REASON_MAX = 2000
NOTE_MAX = 2000
SURVEY_COMMENT_MAX = 2000
SURVEYED_STATUSES = (Status.RESOLVED, Status.CLOSED)


def require_own_customer(user: User, organization_id: int) -> None:
    """Only an active customer of the organization acts on its escalations."""
    if user.is_staff or not user.active or user.organization_id != organization_id:
        raise PermissionError("only the organization's own customers may do this")


def _text(value: str | None, *, field: str, limit: int, required: str | None = None) -> str:
    text = (value or "").strip()
    if required and not text:
        raise OperationError(required, field)
    if len(text) > limit:
        raise OperationError(f"Keep it under {limit:,} characters.", field)
    return text


def comment_on_escalation(escalation: Escalation, *, author: User, body: str) -> Update:
    """Add the customer's comment or question to the timeline; the owner and the communicator
    are told (by `add_timeline_entry`).

    Raises PermissionError for anyone but the organization's customers, OperationError for an
    empty or overlong body.
    """
    require_own_customer(author, escalation.organization_id)
    body = _text(body, field="body", limit=COMMENT_MAX,
                 required="Write your comment or question first.")
    return post_update(escalation, author=author, body=body, visibility=Visibility.CUSTOMER,
                       kind=UpdateKind.CUSTOMER_COMMENT)


def open_request_of(escalation: Escalation, user: User) -> EscalationRequest | None:
    """The user's escalation request on this escalation that staff have not handled yet."""
    return db.session.scalar(
        select(EscalationRequest).where(
            EscalationRequest.escalation_id == escalation.id,
            EscalationRequest.requested_by_id == user.id,
            EscalationRequest.handled_at.is_(None),
        ).order_by(EscalationRequest.created_at.desc()).limit(1)
    )


def request_escalation(escalation: Escalation, *, requested_by: User,
                       reason: str) -> EscalationRequest:
    """Ask for the escalation to go to the next tier, with a reason.

    The request is recorded as a customer-request trigger: on the EscalationRequest row and in
    the audit event (`trigger=customer_request`). `escalation.trigger` keeps the reason the
    escalation was opened for; staff who act on the request hand off with
    `Trigger.CUSTOMER_REQUEST` as the handoff's reason. The request goes on the timeline (so
    the owner and the communicator hear) and every active escalation manager and the owner get
    a notice.

    Raises PermissionError for anyone but the organization's customers; OperationError for an
    empty reason, a resolved or closed escalation, one already at Management, or when this
    person already has a request waiting.
    """
    require_own_customer(requested_by, escalation.organization_id)
    if not escalation.status.is_open:
        raise OperationError("This escalation is resolved: it cannot go to another level.")
    if escalation.tier == Tier.MANAGEMENT:
        raise OperationError("This escalation is already with management, the highest level.")
    if open_request_of(escalation, requested_by) is not None:
        raise OperationError("You have already asked; the escalation managers are on it.")
    reason = _text(reason, field="reason", limit=REASON_MAX,
                   required="Say why this needs the next level.")
    next_tier = workflow.next_tier(escalation.tier)
    request = EscalationRequest(organization_id=escalation.organization_id,
                                escalation_id=escalation.id, requested_by=requested_by,
                                requested_by_id=requested_by.id, reason=reason, created_at=now())
    db.session.add(request)
    escalation.updated_at = request.created_at  # the staff queue's stamp moves: its marker shows
    add_timeline_entry(escalation, author=requested_by, kind=UpdateKind.CUSTOMER_COMMENT,
                       visibility=Visibility.CUSTOMER, at=request.created_at,
                       body=f"Requested escalation to the next level ({next_tier.value}): "
                            f"{reason}")
    db.session.flush()
    enqueue_emails(f"escalation_request:{request.id}",
                   escalation_managers(),  # the owner hears through the timeline entry
                   template="escalation_request", escalation_id=escalation.id,
                   context={"escalation_id": escalation.id, "reference": escalation.reference,
                            "title": escalation.title, "request_id": request.id,
                            "requested_by": requested_by.name, "reason": reason,
                            "from_tier": escalation.tier.value, "to_tier": next_tier.value})
    audit.record("escalation.escalation_requested", actor=requested_by, obj=escalation,
                 trigger="customer_request", request_id=request.id,
                 from_tier=escalation.tier.value, to_tier=next_tier.value)
    return request


def is_subscribed(escalation: Escalation, user: User) -> bool:
    """Without a row a customer is subscribed (see `Subscription`)."""
    choice = db.session.scalar(select(Subscription.subscribed).where(
        Subscription.escalation_id == escalation.id, Subscription.user_id == user.id))
    return True if choice is None else choice


def set_subscription(escalation: Escalation, user: User, subscribed: bool) -> Subscription:
    """Choose whether `user` hears about this escalation's updates (one row per person and
    escalation, updated in place). Raises PermissionError for anyone but its customers."""
    require_own_customer(user, escalation.organization_id)
    subscription = db.session.scalar(select(Subscription).where(
        Subscription.escalation_id == escalation.id, Subscription.user_id == user.id))
    if subscription is None:
        subscription = Subscription(organization_id=escalation.organization_id,
                                    escalation_id=escalation.id, user_id=user.id,
                                    subscribed=bool(subscribed))
        _add_or_refuse(subscription, "Your choice was saved a moment ago; reload the page.")
    subscription.subscribed = bool(subscribed)
    audit.record("subscription.changed", actor=user, obj=subscription,
                 escalation_id=escalation.id, subscribed=subscription.subscribed)
    return subscription


def set_notification_preference(user: User, preference: NotificationPreference | str) -> None:
    """Immediate emails or one daily digest. Raises OperationError for anything else and
    PermissionError for staff (their notices are not customer updates)."""
    if user.is_staff:
        raise PermissionError("notification preferences are for customers")
    try:
        preference = NotificationPreference(preference)
    except ValueError:
        raise OperationError("Choose immediately or a daily digest.", "preference") from None
    previous = user.notification_preference
    user.notification_preference = preference
    audit.record("user.notification_preference_changed", actor=user, obj=user,
                 preference=preference.value,
                 previous=previous.value if previous is not None else None)


def complete_customer_step(step: RemediationStep, *, user: User, note: str) -> Update:
    """Mark a remediation step the customer owns as done, saying what was done. The note goes
    on the timeline, so the owner and the communicator hear about it.

    Raises PermissionError for a step the customer does not own (or cannot see) or a person
    outside the organization; OperationError when the step is already done or the note is
    missing or too long.
    """
    require_own_customer(user, step.organization_id)
    if step.owner_party != Party.CUSTOMER or step.visibility != Visibility.CUSTOMER:
        raise PermissionError("customers complete only their own, visible steps")
    if step.status == StepStatus.DONE:
        raise OperationError("This step is already done.")
    note = _text(note, field="note", limit=NOTE_MAX,
                 required="Say what you did, so the team can check it.")
    escalation = db.session.get(Escalation, step.escalation_id)
    at = now()
    step.status = StepStatus.DONE
    step.completed_at = at
    step.completed_by_id = user.id
    step.completion_note = note
    update = add_timeline_entry(escalation, author=user, kind=UpdateKind.CUSTOMER_COMMENT,
                                visibility=Visibility.CUSTOMER, at=at,
                                body=f"{user.name} marked “{step.title}” done: {note}")
    audit.record("remediation_step.completed", actor=user, obj=step,
                 escalation_id=step.escalation_id, update_id=update.id)
    return update


def survey_answer_of(escalation: Escalation, user: User) -> SurveyResponse | None:
    return db.session.scalar(select(SurveyResponse).where(
        SurveyResponse.escalation_id == escalation.id, SurveyResponse.user_id == user.id))


def answer_survey(escalation: Escalation, *, user: User, score: int,
                  comment: str = "") -> SurveyResponse:
    """Record the one-question satisfaction survey (CSAT 1–5), once per person and escalation.

    Raises PermissionError for anyone but the organization's customers; OperationError before
    resolution, for a score outside 1–5, an overlong comment, or a second answer.
    """
    require_own_customer(user, escalation.organization_id)
    if escalation.status not in SURVEYED_STATUSES:
        raise OperationError("The survey opens once the escalation is resolved.")
    if survey_answer_of(escalation, user) is not None:
        raise OperationError("You have already rated this escalation. Thank you!")
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise OperationError("Choose a score from 1 to 5.", "score")
    comment = _text(comment, field="comment", limit=SURVEY_COMMENT_MAX)
    response = SurveyResponse(organization_id=escalation.organization_id,
                              escalation_id=escalation.id, user_id=user.id, score=score,
                              comment=comment, created_at=now())
    _add_or_refuse(response, "You have already rated this escalation. Thank you!")
    audit.record("survey.answered", actor=user, obj=response, escalation_id=escalation.id,
                 score=score)
    return response


def _add_or_refuse(row, message: str) -> None:
    """Insert `row` in a savepoint: a concurrent double submit hits the unique constraint and
    is refused like any other second attempt, instead of failing the whole transaction."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        raise OperationError(message) from None
