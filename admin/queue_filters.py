"""The staff queue's filter form, drawn once per state and remembered.

Ten WTForms fields through `macros/forms.html` (three of them selects of every account, every
staff member and every product area) read the same for everyone who asks the same thing: the
markup depends only on what was asked (the form's data), the choices offered (each select's
`choices_version`: the product areas with their counts, the staff directory, the accounts)
and where the app is mounted. So a valid form's markup is remembered under exactly those; a
form with errors (rare, and it shows what the person typed) is drawn every time.

Arguments a plain reading finds valid (`admin.queue_args.query_from_args`) need no form at
all: `Asked` stands for it, its markup remembered per arguments and choices offered, and the
form is built only to draw a state the first time (the dashboard's filters do the same).
"""

from __future__ import annotations

from types import MappingProxyType

from flask import request
from werkzeug.datastructures import MultiDict

from admin.queue_forms import QueueFilterForm
from portal.escalations.queue import Summary
from portal.remembered import RememberedForm

TEMPLATE = "admin/queue/_filters.html"
#: The selects whose choices come from the data (the others are declared on the form).
_OFFERED = ("area", "owner", "account")
#: The page number is no control of the form (the pager's links carry it): every page of a
#: view draws the same filters.
_NOT_DRAWN = "page"


def _state(form) -> tuple | None:
    """Everything the markup depends on besides the templates themselves (None: choices
    without a version, never remembered)."""
    offered = tuple(getattr(form[name], "choices_version", None) for name in _OFFERED)
    if None in offered:
        return None
    return request.script_root, tuple(form.data.items()), offered


#: The filters fold with a form in it (its choices already offered). Distinct states
#: remembered: 256 (a state is some tens of kilobytes with every account listed).
_remembered = RememberedForm(TEMPLATE, 256, _state)


class Asked:
    """The filter form of arguments already found valid, without the form: what the
    templates ask of one (no errors; `filters` draws it). `summary`, `staff` and
    `organizations` are the choices the page offers (QueueFilterForm.offer_choices)."""

    __slots__ = ("args", "summary", "staff", "organizations")
    errors = MappingProxyType({})

    def __init__(self, args: MultiDict, summary: Summary | None = None, staff=(),
                 organizations=()):
        self.args, self.summary = args, summary
        self.staff, self.organizations = staff, organizations

    def offer_choices(self, summary: Summary, staff, organizations) -> None:
        """The choices the filters offer (as QueueFilterForm.offer_choices takes them)."""
        self.summary, self.staff, self.organizations = summary, staff, organizations

    def key(self) -> tuple:
        """Everything its markup depends on: where the app is mounted, the arguments (each
        asked once: `query_from_args`) and the choices offered (their versions, as the
        form names them: the areas with their counts, the staff, the accounts)."""
        return (
            "asked",
            request.script_root,
            tuple(sorted(item for item in self.args.items() if item[0] != _NOT_DRAWN)),
            self.summary.areas,
            tuple(self.staff),
            tuple(self.organizations),
        )

    def form(self) -> QueueFilterForm:
        """The form these arguments make, validated and its choices offered."""
        form = QueueFilterForm(MultiDict(self.args))
        form.validate()
        form.offer_choices(self.summary, self.staff, self.organizations)
        return form


def filters(form) -> object:
    """The filters fold for a QueueFilterForm (its choices offered) or an `Asked`."""
    if type(form) is Asked:
        return _remembered.remembered(form.key(), form.form)
    return _remembered(form)
