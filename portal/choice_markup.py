"""A choice field (radios, a select) drawn once per chosen value, then remembered.

`form_field` (portal.form_markup) remembers blank fields only: a field with data is drawn by
the `forms.field` macro each time, some 470 function calls for the notification settings
page's two radios. A choice field's markup depends on nothing but the field's own definition
(label, choices, flags, attributes) and which choice is chosen, so without errors it is drawn
once per all of those and remembered. With errors (a refused form) it is drawn each time.
Jinja global: `chosen_field(f, help=None)`, the same markup as `forms.field(f, help=help)`
(tests/test_choice_markup.py).
"""

from __future__ import annotations

from markupsafe import Markup
from wtforms.fields import SelectChoice

from portal import form_markup
from portal.remembered import MarkupMemo

_DRAWN = MarkupMemo(512)


def chosen_field(f, help=None) -> Markup:
    """`forms.field(f, help=help)` for a choice field."""
    if f.errors:
        return form_markup.form_field(f, help=help)
    try:
        key = (type(f), f.id, f.name, f.type, f.label.text, f.description, help, f.data,
               _choices_key(f.choices), tuple(sorted(vars(f.flags).items())),
               tuple(sorted((f.render_kw or {}).items())))
        return _DRAWN.get(key, lambda: form_markup.form_field(f, help=help))
    except TypeError:  # something in the key cannot be hashed: drawn each time
        return form_markup.form_field(f, help=help)


def _choices_key(choices) -> tuple:
    if isinstance(choices, dict):  # optgroups: {group: choices}
        return tuple((group, _choices_key(items)) for group, items in choices.items())
    return tuple(map(_choice_key, choices or ()))


def _choice_key(choice):
    """A choice as a key: WTForms' SelectChoice (a dataclass holding a dict) cannot be hashed."""
    if isinstance(choice, SelectChoice):
        return (choice.value, choice.label, tuple(sorted((choice.render_kw or {}).items())),
                choice.optgroup)
    return choice
