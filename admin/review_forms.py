"""Forms of the review editor. Highlight times are typed in the organization's timezone; the
timeline entries the report carries are ticked (`timeline_choices`, update ids)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.enums import StepStatus
from portal.forms import MultiCheckboxField, PortalForm
from portal.reports.limits import MAX_FIELD_CHARS, MAX_HIGHLIGHT_CHARS
from portal.reports.models import FIELDS

TIME_FORMAT = "%Y-%m-%d %H:%M"
#: A highlight outside these years is a typo (and year 1 cannot move to UTC).
HIGHLIGHT_YEARS = (1970, 2200)


class HighlightForm(Form):
    # No Optional() on `at`: it would stop the chain on an empty time, and a highlight with
    # text and no time must be refused here, by the field, not fail when it is saved.
    at = StringField("When", validators=[Length(max=16)])
    text = TextAreaField("What happened", validators=[Optional(), Length(
        max=MAX_HIGHLIGHT_CHARS,
        message=f"Keep each highlight within {MAX_HIGHLIGHT_CHARS:,} characters.")])

    def validate_at(self, field):
        if self.text.data and self.text.data.strip():
            try:
                at = datetime.strptime((field.data or "").strip(), TIME_FORMAT)
            except ValueError as exc:
                raise ValidationError("Write the time as 2026-11-02 14:05.") from exc
            if not HIGHLIGHT_YEARS[0] <= at.year <= HIGHLIGHT_YEARS[1]:
                raise ValidationError(
                    f"Give a time between {HIGHLIGHT_YEARS[0]} and {HIGHLIGHT_YEARS[1]}.")


def _review_form_class():
    attrs = {
        f.name: TextAreaField(f.label, description=f.help, validators=[Optional(), Length(
            max=MAX_FIELD_CHARS, message=f"Keep {f.label.lower()} within {MAX_FIELD_CHARS:,} "
            "characters.")])
        for f in FIELDS
    }
    attrs["root_cause_category"] = StringField(
        "Root-cause category", description="A short label such as Configuration, Capacity or "
        "Third party; the organization summary counts these.",
        validators=[Optional(), Length(max=80)])
    attrs["highlights"] = FieldList(FormField(HighlightForm), min_entries=1, max_entries=401)
    # Choices are the escalation's customer-visible entries (`choose_among`); the operation
    # checks the ids again.
    attrs["timeline_choices"] = MultiCheckboxField("Timeline entries in the report", coerce=int,
                                                   choices=[], validate_choice=False)
    # Present when the page offered the checkboxes: none ticked then means "none", not "keep".
    attrs["timeline_offered"] = HiddenField(default="1")
    return type("ReviewForm", (PortalForm,), attrs)


ReviewForm = _review_form_class()


def choose_among(form, updates) -> None:
    """Offer the escalation's customer-visible timeline entries as the checkboxes."""
    form.timeline_choices.choices = [(update.id, str(update.id)) for update in updates]


def choice_from_form(form) -> list[int] | None:
    """The ticked entries, or None when the page did not offer them (keep the stored ones)."""
    return list(form.timeline_choices.data or []) if form.timeline_offered.data else None


def highlights_for_form(review, zone: ZoneInfo) -> list[dict]:
    rows = [{"at": datetime.fromisoformat(item["at"]).astimezone(zone).strftime(TIME_FORMAT),
             "text": item["text"]} for item in review.timeline_highlights or []]
    return rows + [{"at": "", "text": ""}]  # one empty row to add a highlight


def highlights_from_form(form, zone: ZoneInfo) -> list[dict]:
    items = []
    for entry in form.highlights.entries:
        text = (entry.form.text.data or "").strip()
        if not text:
            continue
        at = datetime.strptime(entry.form.at.data.strip(), TIME_FORMAT).replace(tzinfo=zone)
        items.append({"at": at, "text": text, "field": entry.form.text.name})
    return items


STATUS_CHOICES = [SelectChoice(s.value, s.label) for s in StepStatus]


class ActionForm(PortalForm):
    title = StringField("Action", validators=[DataRequired("Say what will be done."),
                                              Length(max=200)])
    owner = StringField("Owner", validators=[DataRequired("Name who owns this action."),
                                             Length(max=120)])
    due_on = DateField("Due", validators=[Optional()])
    status = SelectField("Status", choices=STATUS_CHOICES, default=StepStatus.PLANNED.value)


class PublishForm(PortalForm):
    confirm = BooleanField("I have read the report and it may go to the customer",
                           validators=[InputRequired("Confirm before publishing.")])


class EmptyForm(PortalForm):
    """A button that changes state: CSRF only."""
