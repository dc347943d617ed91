"""The escalation page's forms are drawn from Python (portal/form_markup.py): every piece reads
exactly as the macros of macros/forms.html (and WTForms) drew it, blank, filled in and refused,
and a field remembered blank never shows another field's or a refused field's markup."""

import pytest
from werkzeug.datastructures import MultiDict

from portal import form_markup
from portal.customer.forms import (
    CommentForm,
    EscalationRequestForm,
    StepCompletionForm,
    SubscriptionForm,
)

BEFORE = """{%- import "macros/forms.html" as forms -%}
{{ form.csrf_token }}|{{ forms.form_errors(form) }}|{{ forms.field(field, help=help) }}|
{{ forms.submit(label) }}|{{ forms.submit(label, cls='btn btn-secondary btn-block') }}"""
AFTER = """{{ csrf_field(form) }}|{{ form_errors(form) }}|{{ form_field(field, help=help) }}|
{{ submit_button(label) }}|{{ submit_button(label, cls='btn btn-secondary btn-block') }}"""

FORMS = [
    (lambda **kw: CommentForm(**kw), "body", None),
    (lambda **kw: EscalationRequestForm(**kw), "reason", None),
    (lambda **kw: StepCompletionForm(7, **kw), "note", "Tell us what you did, so we can check it."),
    (lambda **kw: StepCompletionForm(8, **kw), "note", "We will check it: <b>p99</b> < 200 ms"),
]


def _both(app, form, field_name, help, label="Post <comment>"):
    field = getattr(form, field_name)
    context = {"form": form, "field": field, "help": help, "label": label}
    return (app.jinja_env.from_string(BEFORE).render(context),
            app.jinja_env.from_string(AFTER).render(context))


@pytest.mark.parametrize(("make", "field_name", "help"), FORMS)
def test_a_blank_form_reads_as_the_macros_drew_it(app, make, field_name, help):
    with app.test_request_context("/"):
        for _ in range(2):  # drawn, then remembered
            before, after = _both(app, make(formdata=None), field_name, help)
            assert after == before


@pytest.mark.parametrize(("make", "field_name", "help"), FORMS)
def test_a_refused_form_reads_as_the_macros_drew_it(app, make, field_name, help):
    """Errors (and what the person typed) are the macros' own, never a remembered blank."""
    with app.test_request_context("/", method="POST"):
        _both(app, make(formdata=None), field_name, help)  # remember the blank one
        for typed in ("", "x" * 20_000, "<script>alert(1)</script>"):
            form = make(formdata=MultiDict({f"{make(formdata=None)[field_name].name}": typed}))
            assert not form.validate()
            before, after = _both(app, form, field_name, help)
            assert after == before
            assert 'class="form-errors"' in after or 'class="field-errors"' in after


def test_a_filled_in_field_is_never_the_remembered_blank(app):
    with app.test_request_context("/", method="POST"):
        blank = form_markup.form_field(CommentForm(formdata=None).body)
        filled = CommentForm(formdata=MultiDict({"comment-body": "We restarted db-07"}))
        drawn = form_markup.form_field(filled.body)
        assert "We restarted db-07" in drawn and "We restarted db-07" not in blank


def test_each_step_form_has_its_own_field(app):
    with app.test_request_context("/"):
        seven = form_markup.form_field(StepCompletionForm(7, formdata=None).note)
        eight = form_markup.form_field(StepCompletionForm(8, formdata=None).note)
        assert 'id="step-7-note"' in seven and 'id="step-8-note"' in eight


def test_the_subscription_form_reads_as_the_macros_drew_it(app):
    with app.test_request_context("/"):
        form = SubscriptionForm(formdata=None)
        context = {"form": form}
        before = app.jinja_env.from_string(
            '{%- import "macros/forms.html" as forms -%}'
            "{{ form.csrf_token }}|{{ forms.form_errors(form) }}").render(context)
        after = app.jinja_env.from_string(
            "{{ csrf_field(form) }}|{{ form_errors(form) }}").render(context)
        assert after == before
