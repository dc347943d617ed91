"""The escalation page's comment form, request for the next level and email subscription are
drawn in Python now (portal/customer/page_forms.py): each reads byte for byte as its template
drew it (kept in tests/fixtures), blank (without a WTForms form) and refused, right after an
action, kept as typed while the region is redrawn, in every state of the request and the
subscription, and with hostile text."""

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from werkzeug.datastructures import MultiDict

from portal.clock import now
from portal.customer.forms import (
    CommentForm,
    EscalationRequestForm,
    StepCompletionForm,
    SubscriptionForm,
)
from portal.customer.page_forms import Blank, csrf_field, field_name, form_field
from portal.enums import NotificationPreference, Tier
from portal.escalations.customer_page import Contact, OpenRequest

FIXTURES = Path(__file__).parent.parent / "fixtures"
HOSTILE = '<script>alert("x")</script> & "quotes"'
ESCALATION = SimpleNamespace(reference="ESC-01234", tier=Tier.L2)
VIEWERS = [SimpleNamespace(notification_preference=preference)
           for preference in NotificationPreference]


def _before(app, name: str, context: dict) -> str:
    return app.jinja_env.from_string((FIXTURES / f"customer_{name}_before.html").read_text()
                                     ).render(context)


def _after(app, name: str, context: dict) -> str:
    return app.jinja_env.get_template(f"customer/_{name}.html").render(context)


def _forms(form_class, state: str, field: str, *args):
    """(what the template was given, what it is given now): blank, or refused with `typed`."""
    if state == "blank":
        return form_class(*args, formdata=None), Blank(form_class, *args)
    name = form_class(*args, formdata=None)[field].name
    form = form_class(*args, formdata=MultiDict({name: "" if state == "empty" else HOSTILE}))
    form.validate()
    return form, form


STATES = ["blank", "empty", "hostile"]


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("confirmation", [None, HOSTILE])
@pytest.mark.parametrize("preserve", [False, True, None])
def test_the_comment_form_reads_as_its_template_drew_it(app, state, confirmation, preserve):
    with app.test_request_context("/"):
        for _ in range(2):  # drawn, then remembered
            before_form, after_form = _forms(CommentForm, state, "body")
            context = {"escalation": ESCALATION, "confirmation": confirmation}
            if preserve is not None:
                context["preserve_forms"] = preserve
            assert (_after(app, "comment_form", {**context, "comment_form": after_form})
                    == _before(app, "comment_form", {**context, "comment_form": before_form}))


OPEN_REQUEST = OpenRequest(now() - timedelta(hours=3, minutes=7), HOSTILE)
CONTACTS = [None, Contact(HOSTILE, "", "a@example.com", "")]


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("open_request", [None, OPEN_REQUEST])
@pytest.mark.parametrize("next_tier", [Tier.L3, Tier.MANAGEMENT, None])
@pytest.mark.parametrize("contact", CONTACTS)
@pytest.mark.parametrize("confirmation", [None, "Your request is in."])
@pytest.mark.parametrize("preserve", [False, True])
def test_the_escalation_request_reads_as_its_template_drew_it(app, state, open_request,
                                                               next_tier, contact,
                                                               confirmation, preserve):
    with app.test_request_context("/"):
        before_form, after_form = _forms(EscalationRequestForm, state, "reason")
        context = {"escalation": ESCALATION, "open_request": open_request,
                   "next_tier": next_tier, "contact": contact, "confirmation": confirmation,
                   "preserve_forms": preserve}
        assert (_after(app, "escalation_request", {**context, "request_form": after_form})
                == _before(app, "escalation_request", {**context, "request_form": before_form}))


@pytest.mark.parametrize("state", ["blank", "refused"])
@pytest.mark.parametrize("subscribed", [True, False])
@pytest.mark.parametrize("viewer", VIEWERS, ids=[v.notification_preference for v in VIEWERS])
@pytest.mark.parametrize("confirmation", [None, "You will get emails."])
@pytest.mark.parametrize("preserve", [False, True, None])
def test_the_subscription_reads_as_its_template_drew_it(app, state, subscribed, viewer,
                                                        confirmation, preserve):
    with app.test_request_context("/"):
        if state == "blank":
            before_form, after_form = SubscriptionForm(formdata=None), Blank(SubscriptionForm)
        else:
            before_form = after_form = SubscriptionForm(
                formdata=MultiDict({"subscription-subscribed": "maybe"}))
            assert not before_form.validate()
        context = {"escalation": ESCALATION, "subscribed": subscribed, "current_user": viewer,
                   "confirmation": confirmation}
        if preserve is not None:
            context["preserve_forms"] = preserve
        assert (_after(app, "subscription", {**context, "subscription_form": after_form})
                == _before(app, "subscription", {**context, "subscription_form": before_form}))


def test_a_blank_form_carries_this_requests_token_and_its_own_names(app):
    """The CSRF field of a blank form is the one a WTForms form built now would carry."""
    with app.test_request_context("/"):
        for step in (7, 8):
            form = StepCompletionForm(step, formdata=None)
            blank = Blank(StepCompletionForm, step)
            assert csrf_field(blank) == csrf_field(form)
            assert field_name(blank, "note") == form.note.name == f"step-{step}-note"
            assert form_field(blank, "note", help=HOSTILE) == form_field(form, "note",
                                                                         help=HOSTILE)
        assert 'id="step-7-note"' in form_field(Blank(StepCompletionForm, 7), "note")
