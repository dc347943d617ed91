"""Remediation steps and milestones are drawn in Python now (portal/customer/plan_markup.py):
each reads byte for byte as `customer/_step.html` and the loop of `customer/_milestones.html`
drew it (their templates kept in tests/fixtures), for every state, whose they are, with and
without dates, people, notes, a confirmation, a completion form blank or refused, and hostile
text; and so does the whole plan (`customer/_plan.html`: steps, progress, exit criteria)."""

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from portal.clock import now
from portal.customer.escalation import PARTS
from portal.customer.forms import StepCompletionForm
from portal.customer.page_forms import Blank
from portal.enums import Party, StepStatus
from portal.escalations.customer_page import Person, PlanCriterion, PlanMilestone, PlanStep

FIXTURES = Path(__file__).parent.parent / "fixtures"
STEP_BEFORE = (FIXTURES / "customer_step_before.html").read_text()
MILESTONES_BEFORE = (FIXTURES / "customer_milestones_before.html").read_text()
PLAN_BEFORE = (FIXTURES / "customer_plan_before.html").read_text()
PROGRESS_BEFORE = (FIXTURES / "customer_plan_progress_before.html").read_text()
HOSTILE = '<script>alert("x")</script> & "quotes"'
ESCALATION = SimpleNamespace(reference="ESC-01234")


def _step(n, *, party=Party.VENDOR, status=StepStatus.PLANNED, due=True, owner=True,
          test="", metric="", completed=False, by=True, note="", title=None):
    at = now()
    return PlanStep(
        id=n, title=title or f"Step {n}", owner_party=party, status=status,
        due_at=at + timedelta(hours=n, minutes=13) if due else None,
        validation_test=test, success_metric=metric,
        completed_at=at - timedelta(minutes=40) if completed else None, completion_note=note,
        owner=Person("Sam Whitfield") if owner else None,
        completed_by=Person("Ana O'Neil") if completed and by else None)


STEPS = [
    _step(1),
    _step(2, status=StepStatus.IN_PROGRESS, owner=False, due=False),
    _step(3, status=StepStatus.BLOCKED, test="We re-run the export", metric="0 errors"),
    _step(4, status=StepStatus.DONE, completed=True, note="Rolled back"),
    _step(5, status=StepStatus.DONE, completed=True, by=False),
    _step(6, status=StepStatus.DONE, completed=False),
    _step(7, party=Party.CUSTOMER),
    _step(8, party=Party.CUSTOMER, test="We check the logs"),
    _step(9, party=Party.CUSTOMER, status=StepStatus.DONE, completed=True, note=HOSTILE),
    _step(10, title=HOSTILE, test=HOSTILE, metric=HOSTILE, owner=True),
    _step(11, party=Party.CUSTOMER, title=HOSTILE, test=HOSTILE),
]


def _forms(kind):
    forms = {}
    for step in STEPS:
        if step.owner_party != Party.CUSTOMER:
            continue
        form = StepCompletionForm(step.id, formdata=None)
        if kind == "refused":
            form.note.data = HOSTILE
            form.note.errors = ["Say what you did, so the team can check it."]
        forms[step.id] = form
    return forms


@pytest.mark.parametrize("forms", ["none", "blank", "refused"])
@pytest.mark.parametrize("confirmation", [None, "“Step” is marked done & told."])
@pytest.mark.parametrize("preserve", [False, True, None])
def test_each_step_reads_as_the_template_drew_it(app, forms, confirmation, preserve):
    with app.test_request_context("/"):
        step_forms = {} if forms == "none" else _forms(forms)
        for step in STEPS:
            context = {"step": step, "step_forms": step_forms, "escalation": ESCALATION,
                       "confirmation": confirmation}
            if preserve is not None:
                context["preserve_forms"] = preserve
            before = app.jinja_env.from_string(STEP_BEFORE).render(context)
            after = app.jinja_env.get_template("customer/_step.html").render(context)
            assert after == before, step


def _milestone(n, *, done=False, late=False, title=None):
    at = now()
    due = at - timedelta(hours=n) if late or done else at + timedelta(hours=n, minutes=5)
    return PlanMilestone(id=n, title=title or f"Milestone {n}", due_at=due,
                         completed_at=due - timedelta(minutes=30) if done else None)


MILESTONES = [_milestone(1), _milestone(2, late=True), _milestone(3, done=True),
              _milestone(4, title=HOSTILE), _milestone(5, late=True, title=HOSTILE),
              _milestone(6, done=True, title=HOSTILE)]


@pytest.mark.parametrize("milestones", [MILESTONES, MILESTONES[:1], []],
                         ids=["all", "one", "none"])
def test_the_milestones_read_as_the_jinja_loop_drew_them(app, milestones):
    with app.test_request_context("/"):
        context = {"milestones": milestones}
        before = app.jinja_env.from_string(MILESTONES_BEFORE).render(context)
        after = app.jinja_env.get_template("customer/_milestones.html").render(context)
    assert after == before
    assert after.count('<tr id="milestone-') == len(milestones)


def test_a_refused_form_is_drawn_open_with_its_error(app):
    with app.test_request_context("/"):
        step_forms = _forms("refused")
        step = STEPS[6]
        drawn = app.jinja_env.get_template("customer/_step.html").render(
            step=step, step_forms=step_forms, escalation=ESCALATION, confirmation=None)
    assert 'class="plan-step-form" open>' in drawn
    assert "Say what you did" in drawn and "&lt;script&gt;" in drawn


CRITERIA = [PlanCriterion(1, "No failed checkouts for 24 h", None),
            PlanCriterion(2, HOSTILE, now() - timedelta(hours=5, minutes=3)),
            PlanCriterion(3, "p99 under 200 ms", now() - timedelta(days=3))]


def _blank_forms():
    return {step.id: Blank(StepCompletionForm, step.id) for step in STEPS
            if step.owner_party == Party.CUSTOMER}


@pytest.mark.parametrize("steps", [STEPS, STEPS[:1], []], ids=["all", "one", "none"])
@pytest.mark.parametrize("criteria", [CRITERIA, CRITERIA[:1], []], ids=["all", "one", "none"])
@pytest.mark.parametrize("forms", ["blank", "refused"])
@pytest.mark.parametrize("confirmation", [None, "“Step” is marked done & told."])
@pytest.mark.parametrize("preserve", [False, True, None])
def test_the_plan_reads_as_its_template_drew_it(app, steps, criteria, forms, confirmation,
                                                preserve):
    with app.test_request_context("/"):
        before_forms = _forms(forms)
        after_forms = _blank_forms() if forms == "blank" else before_forms
        context = {"escalation": ESCALATION, "steps": steps, "criteria": criteria,
                   "steps_done": sum(1 for s in steps if s.status == StepStatus.DONE),
                   "criteria_met": sum(1 for c in criteria if c.met_at is not None),
                   "confirmation": confirmation}
        if preserve is not None:
            context["preserve_forms"] = preserve
        # The template as it was called `plan_step` by its own name.
        before = app.jinja_env.from_string(PLAN_BEFORE).render(
            {**context, "step_forms": before_forms, "plan_step": PARTS.plan_step})
        after = app.jinja_env.get_template("customer/_plan.html").render(
            {**context, "step_forms": after_forms})
    assert after == before


@pytest.mark.parametrize("steps", [STEPS, []], ids=["steps", "none"])
@pytest.mark.parametrize("oob", [None, False, True])
def test_the_plan_progress_reads_as_its_template_drew_it(app, steps, oob):
    with app.test_request_context("/"):
        context = {"steps": steps, "steps_done": 3}
        if oob is not None:
            context["oob"] = oob
        before = app.jinja_env.from_string(PROGRESS_BEFORE).render(context)
        after = app.jinja_env.get_template("customer/_plan_progress.html").render(context)
    assert after == before
