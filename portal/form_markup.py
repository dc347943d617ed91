"""Forms drawn cheaply: what `macros/forms.html` draws, from Python, for the forms a page shows
blank on every request (the escalation page has four or more: comment, escalation request,
subscription, one per open customer step).

A blank field (no data, no errors) is drawn by the macro once and remembered per everything its
markup depends on; a field with data or errors, and any form with errors, is drawn by the
macros each time, so what a refused form shows is theirs exactly. The markup is byte for byte
the macros' (tests/test_form_markup.py). Jinja globals: `form_field`, `form_errors`,
`csrf_field`, `submit_button`.
"""

from __future__ import annotations

from functools import lru_cache

from flask import current_app
from markupsafe import Markup, escape

from portal.remembered import MarkupMemo

_BLANK = MarkupMemo(2048)


def form_field(f, help=None) -> Markup:
    """`forms.field(f, help=help)`."""
    if f.errors or f.data not in (None, ""):
        return _macros().field(f, help=help)
    key = (type(f), f.id, f.name, f.type, f.label.text, f.description, help,
           tuple(sorted(vars(f.flags).items())),
           tuple(sorted((f.render_kw or {}).items())))
    try:
        return _BLANK.get(key, lambda: _macros().field(f, help=help))
    except TypeError:  # something in the key cannot be hashed: drawn each time
        return _macros().field(f, help=help)


def form_errors(form) -> Markup:
    """`forms.form_errors(form)`: nothing at all for a form without errors."""
    return _macros().form_errors(form) if form.errors else Markup("")


def csrf_field(form) -> Markup:
    """`{{ form.csrf_token }}`: the hidden field with this request's token."""
    f = form.csrf_token
    return Markup(f'<input id="{escape(f.id)}" name="{escape(f.name)}" type="hidden" '
                  f'value="{escape(f.current_token)}">')


@lru_cache(maxsize=256)
def submit_button(label, cls="btn btn-primary") -> Markup:
    """`forms.submit(label, cls=cls)`."""
    return Markup(f'<button type="submit" class="{escape(cls)}">{escape(label)}</button>')


def _macros():
    return current_app.jinja_env.get_template("macros/forms.html").module
