"""The customer's escalation page: header, timeline, plan, SLA panel, and the forms of what a
customer can do there (the POST routes are in `actions.py`).

What the page shows is read by `portal.escalations.customer_page` in a constant number of
queries, whatever the length of the timeline or the plan (a test holds the budget).

The page is live: everything on it that changes is one region (`customer/_escalation_live.html`)
that polls this URL every POLL_INTERVAL_SECONDS with the ETag it was drawn with. The ETag is
made of what the customer may see (`customer_page.validator`), the viewer and the minute, so a
poll while nothing changed costs one statement and answers 304, and an internal note never
moves it. The forms inside the region are kept as the person left them when it is redrawn.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from flask import abort, current_app, make_response, render_template, request
from flask_login import current_user

from portal import live
from portal.auth.access import customer_required
from portal.auth.preview import is_previewing
from portal.chrome import link_to
from portal.clock import now
from portal.customer import bp
from portal.customer.contact_markup import contact_card
from portal.customer.forms import (
    CommentForm,
    EscalationRequestForm,
    StepCompletionForm,
    SubscriptionForm,
    SurveyForm,
)
from portal.customer.page_forms import (
    Blank,
    drawn_comment_form,
    drawn_escalation_request,
    drawn_subscription,
)
from portal.customer.plan_markup import (
    milestone_row,
    milestones_section,
    plan_progress,
    plan_section,
    plan_step,
)
from portal.customer.region_markup import page_header, timeline_card, who_section
from portal.customer.service_level_markup import service_level_panel
from portal.customer.timeline_entries import timeline_entries, timeline_entry, timeline_section
from portal.enums import Party, StepStatus, Tier
from portal.escalations import customer_page, listing, sla, workflow
from portal.escalations.models import Escalation
from portal.escalations.operations.customer import SURVEYED_STATUSES
from portal.htmx import wants_fragment
from portal.sla_markup import live_status, sla_clock, sla_due, sla_next_update
from portal.templating import duration

PAGE = "customer/escalation.html"
LIVE_REGION = "customer/_escalation_live.html"
# Bump when the page's markup changes what a validator stands for.
REPRESENTATION_VERSION = "escalation-1"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# What the page's templates draw it with, under one Jinja global: every template the app
# renders copies each global into its context, so the page's parts share a name.
PARTS = SimpleNamespace(**{drawn.__name__: drawn for drawn in (
    page_header, who_section, timeline_card, contact_card, timeline_entries, timeline_entry,
    timeline_section, plan_section, plan_step, plan_progress, milestones_section, milestone_row,
    service_level_panel, sla_clock, sla_due, sla_next_update, live_status, drawn_comment_form,
    drawn_escalation_request, drawn_subscription)})
bp.add_app_template_global(PARTS, "escalation_parts")


@bp.route("/escalations/<reference>")
@customer_required
def escalation(reference: str):
    """The page, or (to its own poll) the live region; 304 while nothing it shows changed."""
    variant = "region" if wants_fragment() else "page"
    escalation_id = Escalation.id_from_reference(reference)
    viewer = current_user._get_current_object()
    stamp = live.escalation_summary(
        escalation_id, viewer.organization_id, _validator_key(viewer.id, viewer.organization_id),
        lambda: customer_page.validator(escalation_id, viewer)) \
        if escalation_id is not None else None
    if stamp is None:
        abort(404)  # missing, or another organization's (the session is scoped)
    previewing = is_previewing()
    etag = live_etag(escalation_id, stamp, variant=variant, viewer_id=viewer.id,
                     timezone=viewer.timezone or "", previewing=previewing, at=now(),
                     poll_seconds=_poll_seconds(current_app.config))
    if request.if_none_match.contains_weak(etag):
        response = make_response("", 304)
    else:
        context = page_context(reference, etag=etag)
        response = make_response(render_template(
            LIVE_REGION if variant == "region" else PAGE,
            preserve_forms=variant == "region", **context))
        if not previewing:
            live.offer((variant, escalation_id), etag)
    response.set_etag(etag, weak=True)
    return response


@live.revalidates("customer.escalation")
def revalidate(visit: live.Visit) -> live.Answer | None:
    """The ETag `escalation` would give this visit, from the memo alone (None: ask the app)."""
    escalation_id = Escalation.id_from_reference(visit.view_args["reference"])
    if escalation_id is None or visit.args:
        return None
    viewer = visit.stamp
    stamp = visit.memo.escalation_summary(
        escalation_id, viewer.organization_id,
        _validator_key(viewer.id, viewer.organization_id))
    if stamp is None:
        return None
    variant = "region" if visit.wants_fragment else "page"
    return live.Answer(etag=live_etag(
        escalation_id, stamp, variant=variant, viewer_id=viewer.id, timezone=viewer.timezone,
        previewing=False, at=visit.at, poll_seconds=_poll_seconds(visit.config),
    ), representation=(variant, escalation_id))


def _validator_key(viewer_id: int, organization_id: int | None) -> tuple:
    return ("page", viewer_id, organization_id)


def live_etag(escalation_id: int, stamp: tuple, *, variant: str, viewer_id: int, timezone: str,
              previewing: bool, at, poll_seconds: int) -> str:
    """The weak validator of one representation (the page or its live region) of one
    escalation: what the customer may see of it (`stamp`), who views it (their timezone shapes
    every time shown; staff previewing see a banner), the minute (relative times and clocks
    move with it) and the poll interval the region was drawn with. The view and the gate
    (`revalidate`) both ask this."""
    viewer = f"{viewer_id}:{timezone}" + (":preview" if previewing else "")
    return listing.weak_etag(REPRESENTATION_VERSION, variant, str(escalation_id), viewer,
                             repr(stamp), listing.minute_of(at), str(poll_seconds))


def _poll_seconds(config) -> int:
    return int(config.get("POLL_INTERVAL_SECONDS", 15))


def page_context(reference: str, **overrides) -> dict:
    """Everything the page and its fragments show, for the signed-in customer. `overrides`
    replace entries (a bound form with its errors, a confirmation message; the view passes
    the ETag it already has)."""
    escalation_id = Escalation.id_from_reference(reference)
    page = customer_page.load(escalation_id, current_user._get_current_object()) \
        if escalation_id is not None else None
    if page is None:
        abort(404)  # missing, or another organization's (the session is scoped)
    escalation, steps, criteria = page.escalation, page.steps, page.criteria
    resolved = escalation.status in SURVEYED_STATUSES
    context = {
        "at": now(),
        "etag": "",  # an action's answer: the region's next poll is redrawn
        "poll_seconds": _poll_seconds(current_app.config),
        "poll_url": link_to("customer.escalation", reference=escalation.reference),
        "escalation": escalation,
        # Who speaks to the customer: the communicator, else the account manager.
        "contact": escalation.communicator or escalation.organization.account_manager,
        "clocks": page.clocks,
        "service_level": service_level(escalation, page.targets),
        "updates": page.updates,
        "milestones": page.milestones,
        "steps": steps,
        "steps_done": sum(1 for step in steps if step.status == StepStatus.DONE),
        "criteria": criteria,
        "criteria_met": sum(1 for c in criteria if c.met_at is not None),
        "next_tier": None if escalation.tier == Tier.MANAGEMENT
        else workflow.next_tier(escalation.tier),
        "subscribed": True if page.subscribed is None else page.subscribed,
        "survey_score": page.survey_score,
        "open_request": page.open_request,
        "confirmation": None,
        # The forms blank (an action puts the one it refused in their place).
        "comment_form": Blank(CommentForm),
        "request_form": Blank(EscalationRequestForm),
        "subscription_form": Blank(SubscriptionForm),
        "survey_form": SurveyForm(formdata=None) if resolved and page.survey_score is None
        else None,
        "step_forms": {
            step.id: Blank(StepCompletionForm, step.id)
            for step in steps
            if step.owner_party == Party.CUSTOMER and step.status != StepStatus.DONE
        },
    }
    context.update(overrides)
    return context


def service_level(escalation: Escalation, target: sla.Targets) -> dict:
    """The promises behind the clocks, in words: targets for this severity (`target`) and the
    calendar they count in."""
    organization = escalation.organization
    policy = organization.sla_policy
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
