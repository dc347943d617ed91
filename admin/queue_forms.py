"""The staff queue's filters, search and sort, read into a `QueueQuery`."""

from __future__ import annotations

from markupsafe import Markup, escape
from wtforms import HiddenField, SearchField, SelectChoice, SelectField, SubmitField
from wtforms.validators import AnyOf, Length, Optional, ValidationError
from wtforms.widgets import Select, html_params

from portal.enums import OPEN_STATUSES, SEVERITY_LABELS, Segment, Status, Tier
from portal.escalations import queue
from portal.escalations.listing import SEARCH_MAX_CHARS
from portal.forms import PortalForm
from portal.inputs import MAX_PAGE, bounded_int


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


class QueueFilterForm(PortalForm):
    class Meta:
        csrf = False  # a GET filter: nothing changes

    view = HiddenField(default=queue.DEFAULT_VIEW,
                       validators=[Optional(), AnyOf(list(queue.QUICK_VIEWS))])
    q = SearchField("Search", validators=[Optional(), Length(max=SEARCH_MAX_CHARS)],
                    description="A reference (ESC-1042), words of the title, or a customer.")
    tier = SelectField("Tier", default="", choices=[SelectChoice("", "All tiers")] + [
        SelectChoice(t.value, t.value) for t in Tier])
    owner = SelectField("Owner", default="", coerce=str, validate_choice=False,
                        widget=LongSelect())
    status = SelectField("Status", default="", choices=[SelectChoice("", "All open statuses")] + [
        SelectChoice(s.value, s.label) for s in OPEN_STATUSES])
    severity = SelectField("Severity", default="", choices=[SelectChoice("", "All severities")] + [
        SelectChoice(str(n), f"Sev {n} · {label}") for n, label in SEVERITY_LABELS.items()])
    # Any area or account may be asked for: a bookmarked view must not turn into an error
    # when the last escalation of an area closes.
    area = SelectField("Product area", default="", validate_choice=False,
                       validators=[Length(max=80)])
    segment = SelectField("Segment", default="", choices=[SelectChoice("", "All segments")] + [
        SelectChoice(s.value, s.value.capitalize()) for s in Segment])
    account = SelectField("Account", default="", validate_choice=False, widget=LongSelect())
    sla = SelectField("SLA", default="", choices=[SelectChoice("", "Any SLA state")] + [
        SelectChoice(value, label) for value, label in queue.SLA_FILTERS.items()])
    sort = SelectField("Sort by", default=queue.DEFAULT_SORT, choices=[
        SelectChoice(value, label) for value, label in queue.SORTS.items()])
    page = HiddenField(default="1")
    submit = SubmitField("Apply filters")

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
        self.owner.choices = [SelectChoice("", "Anyone"),
                              SelectChoice(str(queue.UNASSIGNED_OWNER), "Unassigned")] + [
            SelectChoice(str(user_id), name) for user_id, name in staff]
        self.account.choices = [SelectChoice("", "All accounts")] + [
            SelectChoice(str(org_id), name) for org_id, name in organizations]
