"""The staff queue's filter form, drawn once per state and remembered.

Ten WTForms fields through `macros/forms.html` (three of them selects of every account, every
staff member and every product area) read the same for everyone who asks the same thing: the
markup depends only on what was asked (the form's data), the choices offered (each select's
`choices_version`: the product areas with their counts, the staff directory, the accounts)
and where the app is mounted. So a valid form's markup is remembered under exactly those; a
form with errors (rare, and it shows what the person typed) is drawn every time.
"""

from __future__ import annotations

from flask import current_app, request
from markupsafe import Markup

from portal.remembered import MarkupMemo

TEMPLATE = "admin/queue/_filters.html"
#: The selects whose choices come from the data (the others are declared on the form).
_OFFERED = ("area", "owner", "account")
#: Distinct states remembered (a state is some tens of kilobytes with every account listed);
#: beyond it the oldest are dropped.
_REMEMBERED = MarkupMemo(256)


def filters(form) -> Markup:
    """The filters fold with `form` in it (its choices already offered)."""
    if form.errors:
        return _draw(form)
    try:
        return _REMEMBERED.get(_state(form), lambda: _draw(form))
    except TypeError:  # a value that cannot be hashed: drawn each time
        return _draw(form)


def _state(form) -> tuple:
    """Everything the markup depends on besides the templates themselves."""
    offered = tuple(getattr(form[name], "choices_version", None) for name in _OFFERED)
    if None in offered:
        raise TypeError("choices without a version")  # never remembered
    return request.script_root, tuple(form.data.items()), offered


def _draw(form) -> Markup:
    return Markup(current_app.jinja_env.get_template(TEMPLATE).render(form=form))
