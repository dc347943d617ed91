"""The dashboard's filter form, drawn once per state and remembered.

Five WTForms fields through `macros/forms.html` cost about as much as the 25 rows under them,
and the form reads the same for everyone who asks the same thing: its markup depends only on
what was asked (the form's data), the product areas offered (each with its count) and where
the app is mounted. So a valid form's markup is remembered under exactly those; a form with
errors (rare, and it shows what the person typed) is drawn every time.

Arguments the gate's reading finds valid (`dashboard.query_from_args`) need no form at all:
`Asked` stands for it, its markup remembered per arguments and areas, and the form is built
only to draw a state the first time.
"""

from __future__ import annotations

from types import MappingProxyType

from flask import request
from werkzeug.datastructures import MultiDict

from portal.customer.forms import DashboardFilterForm
from portal.remembered import RememberedForm

TEMPLATE = "customer/_dashboard_filters.html"


def _state(form) -> tuple:
    """Everything the markup depends on besides the template itself."""
    areas = tuple((choice.value, choice.label) for choice in form.area.choices or ())
    return request.script_root, tuple(form.data.items()), areas


#: The filters fold with a form in it (its areas already offered). Distinct states
#: remembered: 512 (a state is a few kilobytes).
_remembered = RememberedForm(TEMPLATE, 512, _state)

#: The page number is no control of the form (the pager's links carry it): every page of a
#: view draws the same filters.
_NOT_DRAWN = "page"


class Asked:
    """The filter form of arguments already found valid, without the form: what the
    templates ask of one (no errors; `filters` draws it)."""

    __slots__ = ("args", "areas")
    errors = MappingProxyType({})

    def __init__(self, args: MultiDict, areas: tuple[tuple[str, int], ...]):
        self.args, self.areas = args, areas

    def key(self) -> tuple:
        """Everything its markup depends on: where the app is mounted, the arguments (each
        asked once: `query_from_args`) and the areas offered."""
        return (
            "asked",
            request.script_root,
            tuple(sorted(item for item in self.args.items() if item[0] != _NOT_DRAWN)),
            self.areas,
        )

    def form(self) -> DashboardFilterForm:
        """The form these arguments make, validated and its areas offered."""
        form = DashboardFilterForm(MultiDict(self.args))
        form.validate()
        form.offer_areas(self.areas)
        return form


def filters(form):
    """The filters fold for a DashboardFilterForm (its areas offered) or an `Asked`."""
    if type(form) is Asked:
        return _remembered.remembered(form.key(), form.form)
    return _remembered(form)
