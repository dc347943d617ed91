"""The escalation page's live region draws its header, who is on it and the timeline's card in
Python now (portal/customer/region_markup.py): the whole region reads byte for byte as
`customer/_escalation_live.html` drew it (the template as it was kept in tests/fixtures), open
and resolved, with and without owner, communicator, account manager, product area and impact,
the next update due or none, answering its own poll, and with hostile text."""

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from portal.clock import frozen_at, now
from portal.customer.escalation import PARTS
from portal.customer.forms import (
    CommentForm,
    EscalationRequestForm,
    StepCompletionForm,
    SubscriptionForm,
)
from portal.customer.page_forms import Blank
from portal.enums import NotificationPreference, Party, Status, StepStatus, Tier
from portal.escalations.customer_page import (
    Contact,
    CustomerOrganization,
    Person,
    PlanCriterion,
    PlanMilestone,
    PlanStep,
    ShownEscalation,
    SupportPlan,
)
from portal.escalations.sla import Clock, NextUpdate, SlaClocks

BEFORE = (Path(__file__).parent.parent / "fixtures"
          / "customer_escalation_live_before.html").read_text()
HOSTILE = '<script>alert("x")</script> & "quotes"'
AT = now()
H = timedelta(hours=1)
OWNER = Contact("Sam Whitfield", "Incident lead", "sam@clearpath.example", "+44 20 7946 0000")
COMMUNICATOR = Contact(HOSTILE, "", "x@clearpath.example", "")
MANAGER = Contact("Ana O'Neil", "Account manager", "ana@clearpath.example", "")
RUNNING = Clock(target=4 * H, elapsed=H, due_at=AT + 3 * H, stopped_at=None, paused_since=None,
                state="on_track")
MET = Clock(target=4 * H, elapsed=2 * H, due_at=AT - H, stopped_at=AT - H, paused_since=None,
            state="met")
STEPS = [
    PlanStep(1, "Roll back", Party.VENDOR, StepStatus.DONE, AT - H, "", "", AT - 2 * H, "Done",
             Person("Sam Whitfield"), Person("Sam Whitfield")),
    PlanStep(2, HOSTILE, Party.CUSTOMER, StepStatus.PLANNED, AT + 5 * H, HOSTILE, "", None, "",
             None, None),
]


def _escalation(*, is_open=True, owner=OWNER, communicator=COMMUNICATOR, area="Checkout",
                impact="Checkouts fail", manager=MANAGER):
    return ShownEscalation(
        id=1234, title=HOSTILE, customer_impact=impact, severity=2,
        status=Status.INVESTIGATING if is_open else Status.RESOLVED, tier=Tier.L2,
        product_area=area, resolution_summary=HOSTILE, opened_at=AT - 30 * H,
        acknowledged_at=AT - 29 * H, resolved_at=None if is_open else AT - 2 * H,
        owner=owner, communicator=communicator,
        organization=CustomerOrganization("Acme", "Europe/Berlin",
                                          SupportPlan("Premier", None, None), manager))


def _context(escalation, *, next_update, preserve):
    contact = escalation.communicator or escalation.organization.account_manager
    return {
        "escalation": escalation, "contact": contact, "at": AT, "etag": 'W/"abc"',
        "poll_seconds": 15, "poll_url": "/escalations/ESC-01234",
        "clocks": SlaClocks(acknowledge=MET, resolve=RUNNING, next_update=next_update),
        "service_level": {"policy": "Premier", "acknowledge": "15 min", "cadence": "1 h",
                          "resolve": "1 d", "calendar": "24×7", "timezone": "UTC",
                          "is_24x7": True},
        "updates": [], "milestones": [PlanMilestone(1, "Hotfix", AT + 2 * H, None)],
        "steps": STEPS, "steps_done": 1,
        "criteria": [PlanCriterion(1, "No failed checkouts", None)], "criteria_met": 0,
        "next_tier": Tier.L3, "subscribed": True, "survey_score": None, "survey_form": None,
        "open_request": None, "confirmation": None,
        "current_user": SimpleNamespace(zone=ZoneInfo("UTC"),
                                        notification_preference=NotificationPreference.DIGEST),
        "preserve_forms": preserve,
    }


def _forms(kind):
    if kind == "blank":
        return {"comment_form": Blank(CommentForm), "request_form": Blank(EscalationRequestForm),
                "subscription_form": Blank(SubscriptionForm),
                "step_forms": {2: Blank(StepCompletionForm, 2)}}
    return {"comment_form": CommentForm(formdata=None),
            "request_form": EscalationRequestForm(formdata=None),
            "subscription_form": SubscriptionForm(formdata=None),
            "step_forms": {2: StepCompletionForm(2, formdata=None)}}


ESCALATIONS = {
    "open": _escalation(),
    "no-one-assigned": _escalation(owner=None, communicator=None, manager=None, area="",
                                   impact=""),
    "account-manager": _escalation(communicator=None),
    "hostile-area": _escalation(area=HOSTILE, impact=HOSTILE),
}


@pytest.mark.parametrize("escalation", ESCALATIONS.values(), ids=ESCALATIONS.keys())
@pytest.mark.parametrize("next_update", [None, NextUpdate(AT + 2 * H, "commitment", False)])
@pytest.mark.parametrize("preserve", [False, True])
def test_the_region_reads_as_its_template_drew_it(app, escalation, next_update, preserve):
    with app.test_request_context("/"), frozen_at(AT):
        context = _context(escalation, next_update=next_update, preserve=preserve)
        # The template as it was called the page's parts by their own names.
        before = app.jinja_env.from_string(BEFORE).render(
            {**vars(PARTS), **context, **_forms("wtforms")})
        after = app.jinja_env.get_template("customer/_escalation_live.html").render(
            {**context, **_forms("blank")})
    assert after == before
    assert after.count("<header") == 1 and after.count('id="timeline"') == 1


def test_who_is_on_a_resolved_escalation_reads_as_the_template_drew_it(app):
    """Resolved: when, instead of the next update (the rest of that branch is still Jinja)."""
    with app.test_request_context("/"), frozen_at(AT):
        escalation = _escalation(is_open=False)
        context = {**_context(escalation, next_update=None, preserve=False), **_forms("blank")}
        # The fixture's region up to the resolved branch (which needs the database).
        drawn_before = app.jinja_env.from_string(
            BEFORE.split("{%- if not escalation.is_open %}")[0]).render({**vars(PARTS), **context})
        drawn_after = app.jinja_env.from_string(
            "{{ escalation_parts.who_section(escalation, contact, clocks.next_update) }}"
        ).render(context)
    start = drawn_before.index('<section class="card stack-lg"')
    section = drawn_before[start:drawn_before.rindex("</section>") + len("</section>")]
    assert drawn_after == section
    assert "<dt>Resolved</dt>" in section
