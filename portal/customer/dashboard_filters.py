"""The dashboard's filter form, drawn once per state and remembered.

Five WTForms fields through `macros/forms.html` cost about as much as the 25 rows under them,
and the form reads the same for everyone who asks the same thing: its markup depends only on
what was asked (the form's data), the product areas offered (each with its count) and where
the app is mounted. So a valid form's markup is remembered under exactly those; a form with
errors (rare, and it shows what the person typed) is drawn every time.
"""

from __future__ import annotations

from flask import request

from portal.remembered import RememberedForm

TEMPLATE = "customer/_dashboard_filters.html"


def _state(form) -> tuple:
    """Everything the markup depends on besides the template itself."""
    areas = tuple((choice.value, choice.label) for choice in form.area.choices or ())
    return request.script_root, tuple(form.data.items()), areas


#: The filters fold with a form in it (its areas already offered). Distinct states
#: remembered: 512 (a state is a few kilobytes).
filters = RememberedForm(TEMPLATE, 512, _state)
