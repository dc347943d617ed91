"""The staff queue's filter form, drawn once per state and remembered.

Ten WTForms fields through `macros/forms.html` (three of them selects of every account, every
staff member and every product area) read the same for everyone who asks the same thing: the
markup depends only on what was asked (the form's data), the choices offered (each select's
`choices_version`: the product areas with their counts, the staff directory, the accounts)
and where the app is mounted. So a valid form's markup is remembered under exactly those; a
form with errors (rare, and it shows what the person typed) is drawn every time.
"""

from __future__ import annotations

from flask import request

from portal.remembered import RememberedForm

TEMPLATE = "admin/queue/_filters.html"
#: The selects whose choices come from the data (the others are declared on the form).
_OFFERED = ("area", "owner", "account")


def _state(form) -> tuple | None:
    """Everything the markup depends on besides the templates themselves (None: choices
    without a version, never remembered)."""
    offered = tuple(getattr(form[name], "choices_version", None) for name in _OFFERED)
    if None in offered:
        return None
    return request.script_root, tuple(form.data.items()), offered


#: The filters fold with a form in it (its choices already offered). Distinct states
#: remembered: 256 (a state is some tens of kilobytes with every account listed).
filters = RememberedForm(TEMPLATE, 256, _state)
