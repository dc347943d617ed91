"""The base of every form: it refuses what no column can store before anything else runs.

A NUL byte (PostgreSQL refuses it in text) or a lone surrogate (not UTF-8) in any string field,
or an integer no column can hold, would otherwise reach a validator's query or the operation's
INSERT and end as a 500. `PortalForm.validate` checks every field first, nested ones included;
if one fails, that field carries the message, no other validator (and no query) runs, and the
view re-renders the form with its usual 422.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import Field, SelectMultipleField, widgets
from wtforms.fields import FieldList, FormField
from wtforms.widgets.core import clean_key

from portal.csrf_tokens import ReusedTokenCSRF
from portal.inputs import UNSTORABLE_MESSAGE, is_storable

#: No integer column holds more (PostgreSQL `bigint`); smaller columns bound their own fields.
MAX_STORABLE_INT = 2**63 - 1
TOO_LARGE_MESSAGE = "This number is far too large."


def html_params(**kwargs) -> Markup:
    """WTForms' `html_params`, the same text without a `Markup.format` per attribute: every
    <input> of every form is drawn through it (tests/test_forms_html.py compares the two)."""
    params = []
    for key, value in sorted(kwargs.items()):
        if value is True:
            params.append(str(escape(clean_key(key))))
        elif value is not False:
            params.append(f'{escape(clean_key(key))}="'
                          f'{str(escape(value)).replace(chr(34), "&quot;")}"')
    return Markup(" ".join(params))


widgets.Input.html_params = staticmethod(html_params)


def leaf_fields(fields) -> Iterator[Field]:
    """Every field that holds a value, inside FormFields and FieldLists too."""
    for field in fields:
        if isinstance(field, FormField | FieldList):
            yield from leaf_fields(field)
        else:
            yield field


def unstorable_reason(value) -> str | None:
    if isinstance(value, str):
        return None if is_storable(value) else UNSTORABLE_MESSAGE
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if abs(value) <= MAX_STORABLE_INT else TOO_LARGE_MESSAGE
    if isinstance(value, list | tuple | set | frozenset):
        return next(filter(None, map(unstorable_reason, value)), None)
    return None


class PortalForm(FlaskForm):
    """FlaskForm that answers unstorable input with a message by the field, not a 500."""

    class Meta:
        csrf_class = ReusedTokenCSRF  # a token signed in the last minute is handed out again

    def validate(self, extra_validators=None) -> bool:
        refused = []
        for field in leaf_fields(self):
            reason = unstorable_reason(field.data)
            if reason is None and field.raw_data:
                reason = unstorable_reason(list(field.raw_data))
            if reason is not None:
                refused.append((field, reason))
                # This field's own validators (and any query they make) do not run; the
                # others do, so every field says what is wrong with it, as usual.
                field.validate = _refuse(field, reason)
        try:
            return super().validate(extra_validators) and not refused
        finally:
            for field, _ in refused:
                del field.validate


def _refuse(field: Field, reason: str):
    def validate(form, extra_validators=()) -> bool:
        field.errors = [reason]
        return False

    return validate


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes (organizations of a broadcast, severities)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()
