"""The customer's escalation page: header, timeline, plan, SLA panel, and the forms of what a
customer can do there (the POST routes are in `actions.py`).

The page runs a constant number of SQL queries whatever the length of the timeline or the
plan (7 with the signed-in user; the budget is 8): the escalation comes with its people, its
organization's SLA policy and the viewer's own choices in one statement, its status history
in a second; the timeline, milestones, steps and exit criteria are one statement each with
their people joined; the SLA clocks reuse the timeline instead of querying again.
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, render_template
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from portal.accounts.models import Organization, SlaPolicy, User
from portal.auth.access import customer_required
from portal.clock import now
from portal.customer import bp
from portal.customer.forms import (
    CommentForm,
    EscalationRequestForm,
    StepCompletionForm,
    SubscriptionForm,
    SurveyForm,
)
from portal.enums import Party, StepStatus, Tier
from portal.escalations import sla, workflow
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
from portal.escalations.operations.customer import SURVEYED_STATUSES
from portal.escalations.promises import counts_as_update
from portal.escalations.queries import customer_visible, plan_items_for
from portal.extensions import db
from portal.templating import duration

PAGE = "customer/escalation.html"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@bp.route("/escalations/<reference>")
@customer_required
def escalation(reference: str):
    return render_template(PAGE, **page_context(reference))


def page_context(reference: str, **overrides) -> dict:
    """Everything the page and its fragments show, for the signed-in customer. `overrides`
    replace entries (a bound form with its errors, a confirmation message)."""
    viewer = current_user._get_current_object()
    escalation, subscribed, survey_score, open_request = _load_escalation(reference, viewer)
    # Not queries.timeline_for: its selectinload of authors would cost a query more.
    updates = db.session.scalars(
        select(Update)
        .where(Update.escalation_id == escalation.id,
               customer_visible(Update, retracted_stubs=True))
        .options(joinedload(Update.author))
        .order_by(Update.created_at.desc(), Update.id.desc())
    ).unique().all()
    milestones = db.session.scalars(
        plan_items_for(Milestone, escalation.id, customer_view=True)).all()
    steps = db.session.scalars(
        plan_items_for(RemediationStep, escalation.id, customer_view=True).options(
            joinedload(RemediationStep.owner), joinedload(RemediationStep.completed_by))
    ).unique().all()
    criteria = db.session.scalars(
        plan_items_for(ExitCriterion, escalation.id, customer_view=True)).all()
    resolved = escalation.status in SURVEYED_STATUSES
    context = {
        "escalation": escalation,
        # Who speaks to the customer: the communicator, else the account manager.
        "contact": escalation.communicator or escalation.organization.account_manager,
        "clocks": _clocks(escalation, updates),
        "service_level": service_level(escalation),
        "updates": updates,
        "milestones": milestones,
        "steps": steps,
        "criteria": criteria,
        "criteria_met": sum(1 for c in criteria if c.met_at is not None),
        "next_tier": None if escalation.tier == Tier.MANAGEMENT
        else workflow.next_tier(escalation.tier),
        "subscribed": True if subscribed is None else subscribed,
        "survey_score": survey_score,
        "open_request": open_request,
        "confirmation": None,
        "comment_form": CommentForm(formdata=None),
        "request_form": EscalationRequestForm(formdata=None),
        "subscription_form": SubscriptionForm(formdata=None),
        "survey_form": SurveyForm(formdata=None) if resolved and survey_score is None else None,
        "step_forms": {
            step.id: StepCompletionForm(step.id, formdata=None)
            for step in steps
            if step.owner_party == Party.CUSTOMER and step.status != StepStatus.DONE
        },
    }
    context.update(overrides)
    return context


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


def _load_escalation(reference: str, viewer: User):
    """The escalation with its people and SLA policy, plus the viewer's own choices on it
    (subscription, survey score, open escalation request) in the same statement. 404 unless
    it exists in the viewer's organization (the session is scoped; see portal.tenancy)."""
    escalation_id = Escalation.id_from_reference(reference)
    if escalation_id is None:
        abort(404)
    subscribed = select(Subscription.subscribed).where(
        Subscription.escalation_id == Escalation.id, Subscription.user_id == viewer.id
    ).scalar_subquery()
    survey_score = select(SurveyResponse.score).where(
        SurveyResponse.escalation_id == Escalation.id, SurveyResponse.user_id == viewer.id
    ).scalar_subquery()
    open_request = aliased(EscalationRequest)
    latest_open_request = select(func.max(EscalationRequest.id)).where(
        EscalationRequest.escalation_id == Escalation.id,
        EscalationRequest.requested_by_id == viewer.id,
        EscalationRequest.handled_at.is_(None),
    ).scalar_subquery()
    row = db.session.execute(
        select(Escalation, subscribed, survey_score, open_request)
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
        )
    ).unique().first()
    if row is None:
        abort(404)
    return tuple(row)


def service_level(escalation: Escalation) -> dict:
    """The promises behind the clocks, in words: targets for this severity and the calendar
    they count in."""
    organization = escalation.organization
    policy = organization.sla_policy
    target = policy.target_for(escalation.severity)
    business = not policy.is_24x7
    return {
        "policy": policy.name,
        "acknowledge": target_words(target.acknowledge_minutes, business=business),
        "cadence": target_words(target.update_minutes, business=business),
        "resolve": target_words(target.resolve_minutes, business=business),
        "calendar": calendar_words(policy.business_hours, policy.holidays or ()),
        "timezone": organization.timezone,
        "is_24x7": policy.is_24x7,
    }


def target_words(minutes: int, *, business: bool) -> str:
    """"4 h", "3 d"; on a business-hours calendar days of business time would mislead, so
    "24 business hours"."""
    if not business:
        return duration(timedelta(minutes=minutes))
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} business minutes"
    words = f"{hours} business hour{'s' if hours != 1 else ''}"
    return f"{words} {rest} min" if rest else words


def calendar_words(business_hours: dict | None, holidays) -> str:
    """"24×7", or the open hours by runs of weekdays: "Mon–Fri 09:00–18:00"."""
    if business_hours is None:
        return "24×7"
    days = {int(day): ", ".join(f"{start}–{end}" for start, end in intervals)
            for day, intervals in business_hours.items() if intervals}
    runs: list[tuple[int, int, str]] = []
    for day in sorted(days):
        if runs and runs[-1][1] == day - 1 and runs[-1][2] == days[day]:
            runs[-1] = (runs[-1][0], day, days[day])
        else:
            runs.append((day, day, days[day]))
    words = "; ".join(
        f"{WEEKDAYS[first]}{'–' + WEEKDAYS[last] if last != first else ''} {hours}"
        for first, last, hours in runs
    )
    if holidays:
        words += ", public holidays off"
    return words
