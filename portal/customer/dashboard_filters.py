"""The dashboard's filter form, drawn once per state and remembered.

Five WTForms fields through `macros/forms.html` cost about as much as the 25 rows under them,
and the form reads the same for everyone who asks the same thing: its markup depends only on
what was asked (the form's data), the product areas offered (each with its count) and where
the app is mounted. So a valid form's markup is remembered under exactly those; a form with
errors (rare, and it shows what the person typed) is drawn every time.
"""

from __future__ import annotations

from flask import current_app, request
from markupsafe import Markup

from portal.remembered import MarkupMemo

TEMPLATE = "customer/_dashboard_filters.html"
#: Distinct states remembered (a state is a few kilobytes); beyond it the oldest are dropped.
_REMEMBERED = MarkupMemo(512)


def filters(form) -> Markup:
    """The filters fold with `form` in it (its areas already offered)."""
    if form.errors:
        return _draw(form)
    return _REMEMBERED.get(_state(form), lambda: _draw(form))


def _state(form) -> tuple:
    """Everything the markup depends on besides the template itself."""
    areas = tuple((choice.value, choice.label) for choice in form.area.choices or ())
    return request.script_root, tuple(form.data.items()), areas


def _draw(form) -> Markup:
    return Markup(current_app.jinja_env.get_template(TEMPLATE).render(form=form))

