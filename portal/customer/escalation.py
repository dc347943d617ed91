"""The customer's escalation page: header, timeline, plan, SLA panel, and the forms of what a
customer can do there (the POST routes are in `actions.py`).

What the page shows is read by `portal.escalations.customer_page` in a constant number of
queries, whatever the length of the timeline or the plan (a test holds the budget).
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, render_template
from flask_login import current_user

from portal.auth.access import customer_required
from portal.customer import bp
from portal.customer.forms import (
    CommentForm,
    EscalationRequestForm,
    StepCompletionForm,
    SubscriptionForm,
    SurveyForm,
)
from portal.enums import Party, StepStatus, Tier
from portal.escalations import customer_page, workflow
from portal.escalations.models import Escalation
from portal.escalations.operations.customer import SURVEYED_STATUSES
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
    escalation_id = Escalation.id_from_reference(reference)
    page = customer_page.load(escalation_id, current_user._get_current_object()) \
        if escalation_id is not None else None
    if page is None:
        abort(404)  # missing, or another organization's (the session is scoped)
    escalation, steps, criteria = page.escalation, page.steps, page.criteria
    resolved = escalation.status in SURVEYED_STATUSES
    context = {
        "escalation": escalation,
        # Who speaks to the customer: the communicator, else the account manager.
        "contact": escalation.communicator or escalation.organization.account_manager,
        "clocks": page.clocks,
        "service_level": service_level(escalation),
        "updates": page.updates,
        "milestones": page.milestones,
        "steps": steps,
        "criteria": criteria,
        "criteria_met": sum(1 for c in criteria if c.met_at is not None),
        "next_tier": None if escalation.tier == Tier.MANAGEMENT
        else workflow.next_tier(escalation.tier),
        "subscribed": True if page.subscribed is None else page.subscribed,
        "survey_score": page.survey_score,
        "open_request": page.open_request,
        "confirmation": None,
        "comment_form": CommentForm(formdata=None),
        "request_form": EscalationRequestForm(formdata=None),
        "subscription_form": SubscriptionForm(formdata=None),
        "survey_form": SurveyForm(formdata=None) if resolved and page.survey_score is None
        else None,
        "step_forms": {
            step.id: StepCompletionForm(step.id, formdata=None)
            for step in steps
            if step.owner_party == Party.CUSTOMER and step.status != StepStatus.DONE
        },
    }
    context.update(overrides)
    return context


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
