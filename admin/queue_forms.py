"""The staff queue's filters, search and sort, read into a `QueueQuery`."""

from __future__ import annotations

from functools import lru_cache
from threading import Lock

from markupsafe import Markup, escape
from wtforms import HiddenField, SearchField, SelectChoice, SelectField, SubmitField
from wtforms.validators import AnyOf, Length, Optional, ValidationError
from wtforms.widgets import Select, html_params

from portal.enums import OPEN_STATUSES, SEVERITY_LABELS, Segment, Status, Tier
from portal.escalations import queue
from portal.escalations.listing import SEARCH_MAX_CHARS
from portal.forms import PortalForm
from portal.inputs import MAX_PAGE, bounded_int
from portal.remembered import MarkupMemo


def _int_or_none(value):
    return bounded_int(value) if value not in (None, "") else None


class LongSelect(Select):
    """A select whose options render as plain strings: hundreds of accounts stay cheap."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        options = "".join(
            f'<option{" selected" if choice.selected else ""} value="{escape(choice.value)}">'
            f"{escape(choice.label)}</option>" for choice in field.iter_choices())
        return Markup(f"<select {html_params(name=field.name, **kwargs)}>{options}</select>")


class Remembered:
    """A select widget whose drawing is remembered per (field, choices version, value,
    attributes): the filter form draws the same selects, with every account and every staff
    member, on every request. The form names each field's choices version
    (`field.choices_version`, hashable); without one the select is drawn each time."""

    def __init__(self, widget):
        self.widget = widget
        self._drawn = MarkupMemo(256)

    def __call__(self, field, **kwargs):
        version = getattr(field, "choices_version", None)
        if version is None:
            return self.widget(field, **kwargs)
        try:
            key = (field.name, field.id, version, field.data, tuple(sorted(kwargs.items())))
            return self._drawn.get(key, lambda: self.widget(field, **kwargs))
        except TypeError:  # a value or attribute that cannot be hashed
            return self.widget(field, **kwargs)


#: Choices declared on the form class never change: one version for all of them.
DECLARED = "declared"


@lru_cache(maxsize=8)
def _directory_choices(people: tuple, first: tuple[tuple[str, str], ...]) -> list[SelectChoice]:
    """The owner or account options of one directory (remembered: hundreds of them)."""
    return [SelectChoice(value, label) for value, label in first] + [
        SelectChoice(str(key), name) for key, name in people]


class QueueFilterForm(PortalForm):
    class Meta:
        csrf = False  # a GET filter: nothing changes

    view = HiddenField(default=queue.DEFAULT_VIEW,
                       validators=[Optional(), AnyOf(list(queue.QUICK_VIEWS))])
    q = SearchField("Search", validators=[Optional(), Length(max=SEARCH_MAX_CHARS)],
                    description="A reference (ESC-1042), words of the title, or a customer.")
    tier = SelectField("Tier", default="", widget=Remembered(Select()),
                       choices=[SelectChoice("", "All tiers")] + [
        SelectChoice(t.value, t.value) for t in Tier])
    owner = SelectField("Owner", default="", coerce=str, validate_choice=False,
                        widget=Remembered(LongSelect()))
    status = SelectField("Status", default="", widget=Remembered(Select()),
                         choices=[SelectChoice("", "All open statuses")] + [
        SelectChoice(s.value, s.label) for s in OPEN_STATUSES])
    severity = SelectField("Severity", default="", widget=Remembered(Select()),
                           choices=[SelectChoice("", "All severities")] + [
        SelectChoice(str(n), f"Sev {n} · {label}") for n, label in SEVERITY_LABELS.items()])
    # Any area or account may be asked for: a bookmarked view must not turn into an error
    # when the last escalation of an area closes.
    area = SelectField("Product area", default="", validate_choice=False,
                       validators=[Length(max=80)], widget=Remembered(Select()))
    segment = SelectField("Segment", default="", widget=Remembered(Select()),
                          choices=[SelectChoice("", "All segments")] + [
        SelectChoice(s.value, s.value.capitalize()) for s in Segment])
    account = SelectField("Account", default="", validate_choice=False,
                          widget=Remembered(LongSelect()))
    sla = SelectField("SLA", default="", widget=Remembered(Select()),
                      choices=[SelectChoice("", "Any SLA state")] + [
        SelectChoice(value, label) for value, label in queue.SLA_FILTERS.items()])
    sort = SelectField("Sort by", default=queue.DEFAULT_SORT, widget=Remembered(Select()),
                       choices=[SelectChoice(value, label) for value, label in queue.SORTS.items()])
    page = HiddenField(default="1")
    submit = SubmitField("Apply filters")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in (self.tier, self.status, self.severity, self.segment, self.sla, self.sort):
            field.choices_version = DECLARED

    def validate_owner(self, field):
        if field.data and bounded_int(field.data) is None:
            raise ValidationError("Choose an owner from the list.")

    def validate_account(self, field):
        if field.data and bounded_int(field.data) is None:
            raise ValidationError("Choose an account from the list.")

    def to_query(self) -> queue.QueueQuery:
        page = self.page.data or "1"
        return queue.QueueQuery(
            view=self.view.data or queue.DEFAULT_VIEW,
            tier=Tier(self.tier.data) if self.tier.data else None,
            owner=_int_or_none(self.owner.data),
            status=Status(self.status.data) if self.status.data else None,
            severity=_int_or_none(self.severity.data),
            area=self.area.data or None,
            segment=Segment(self.segment.data) if self.segment.data else None,
            organization=_int_or_none(self.account.data),
            sla=self.sla.data or None,
            search=(self.q.data or "").strip(),
            sort=self.sort.data or queue.DEFAULT_SORT,
            page=bounded_int(page, low=1, high=MAX_PAGE) or 1,
        )

    def offer_choices(self, summary: queue.Summary, staff, organizations) -> None:
        self.area.choices = [SelectChoice("", "All product areas")] + [
            SelectChoice(area, f"{area} ({n})") for area, n in summary.areas]
        if self.area.data and all(self.area.data != area for area, _ in summary.areas):
            self.area.choices.append(SelectChoice(self.area.data, f"{self.area.data} (0)"))
        self.area.choices_version = summary.areas
        staff, organizations = tuple(staff), tuple(organizations)
        self.owner.choices = _directory_choices(
            staff, (("", "Anyone"), (str(queue.UNASSIGNED_OWNER), "Unassigned")))
        self.owner.choices_version = staff
        self.account.choices = _directory_choices(organizations, (("", "All accounts"),))
        self.account.choices_version = organizations


#: Argument lists (as the view keys them) whose filters passed validation, oldest first.
_PASSED: dict[str, bool] = {}
_PASSED_MAX = 1024
_passed_lock = Lock()


def validated(form: QueueFilterForm, arguments: str) -> bool:
    """`form.validate()`, remembered for the arguments that passed (`arguments` names the
    request's, exactly as sent): whether they pass depends on them alone (no validator reads
    anything else), and a form that passes carries no errors, validated or not. Refused
    arguments are validated every time: their errors are shown."""
    if arguments in _PASSED:
        return True
    if not form.validate():
        return False
    with _passed_lock:
        while len(_PASSED) >= _PASSED_MAX:
            del _PASSED[next(iter(_PASSED))]
        _PASSED[arguments] = True
    return True
