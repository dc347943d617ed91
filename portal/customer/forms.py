"""Forms of the customer portal. Each form on the escalation page has its own prefix, so field
ids stay unique when several forms share the page (and the CSRF field is found by suffix)."""

from __future__ import annotations

from wtforms import (
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SearchField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

from portal.enums import OPEN_STATUSES, SEVERITY_LABELS, NotificationPreference, Role, Status
from portal.escalations import dashboard
from portal.escalations.listing import SEARCH_MAX_CHARS
from portal.escalations.operations.customer import (
    COMMENT_MAX,
    NOTE_MAX,
    REASON_MAX,
    SURVEY_COMMENT_MAX,
)
from portal.forms import PortalForm

ROLE_CHOICES = [SelectChoice(role.value, role.label)
                for role in (Role.VIEWER, Role.EXECUTIVE, Role.CUSTOMER_ADMIN)]


STATUS_LABELS = {Status.WAITING_ON_CUSTOMER: "Waiting on you"}


WITHIN_CHOICES = [SelectChoice("30", "Last 30 days"), SelectChoice("90", "Last 90 days"),
                  SelectChoice("365", "Last 365 days"), SelectChoice("all", "Any time")]


class CommentForm(PortalForm):
    body = TextAreaField(
        "Comment or question",
        description="The owner and your contact are told straight away. Markdown works: "
                    "**bold**, lists, links.",
        validators=[DataRequired("Write your comment or question first."),
                    Length(max=COMMENT_MAX)],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="comment", **kwargs)


class EscalationRequestForm(PortalForm):
    reason = TextAreaField(
        "Why does this need the next level?",
        description="The escalation managers and the owner are told straight away.",
        validators=[DataRequired("Say why this needs the next level."), Length(max=REASON_MAX)],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="escalate", **kwargs)


class SubscriptionForm(PortalForm):
    subscribed = HiddenField(validators=[AnyOf(["yes", "no"])])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="subscription", **kwargs)


class StepCompletionForm(PortalForm):
    """One per customer-owned step; the prefix carries the step id."""

    note = TextAreaField(
        "What did you do?",
        validators=[DataRequired("Say what you did, so the team can check it."),
                    Length(max=NOTE_MAX)],
    )

    def __init__(self, step_id: int, *args, **kwargs):
        super().__init__(*args, prefix=f"step-{step_id}", **kwargs)


class SurveyForm(PortalForm):
    score = RadioField(
        "How satisfied are you with how we handled this escalation?",
        choices=[SelectChoice(score, label) for score, label in (
            (5, "5 — Very satisfied"), (4, "4 — Satisfied"), (3, "3 — Neutral"),
            (2, "2 — Dissatisfied"), (1, "1 — Very dissatisfied"))],
        coerce=int,
        validators=[InputRequired("Choose a score from 1 to 5.")],
    )
    comment = TextAreaField("Anything you would like to add? (optional)",
                            validators=[Optional(), Length(max=SURVEY_COMMENT_MAX)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="survey", **kwargs)


class NotificationPreferenceForm(PortalForm):
    preference = RadioField(
        "Email me about escalation updates",
        choices=[
            SelectChoice(NotificationPreference.IMMEDIATE.value,
                         "Immediately: one email for each update"),
            SelectChoice(NotificationPreference.DIGEST.value,
                         "Daily digest: one email a day with every update"),
        ],
        validators=[InputRequired("Choose immediately or a daily digest.")],
    )


class HistoryFilterForm(PortalForm):
    class Meta:
        csrf = False  # a GET filter: nothing changes

    q = SearchField("Search", validators=[Optional(), Length(max=200)],
                    description="A reference such as ESC-1042, or words from the title.")
    severity = SelectField("Severity", default="", choices=[SelectChoice("", "All severities")] + [
        SelectChoice(str(n), f"Sev {n} · {label}") for n, label in SEVERITY_LABELS.items()])
    product_area = SelectField("Product area", default="")
    within = SelectField("Resolved within", choices=WITHIN_CHOICES, default="all")
    submit = SubmitField("Apply filters")

    def __init__(self, *args, areas: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.product_area.choices = [SelectChoice("", "All product areas")] + [
            SelectChoice(area, area) for area in areas]


class DashboardFilterForm(PortalForm):
    class Meta:
        csrf = False  # a GET filter: nothing changes

    q = SearchField("Search", validators=[Optional(), Length(max=SEARCH_MAX_CHARS)],
                    description="A reference such as ESC-1042, or words from the title.")
    severity = SelectField("Severity", default="", choices=[SelectChoice("", "All severities")] + [
        SelectChoice(str(n), f"Sev {n} · {label}") for n, label in SEVERITY_LABELS.items()])
    status = SelectField("Status", default="", choices=[SelectChoice("", "All open statuses")] + [
        SelectChoice(s.value, STATUS_LABELS.get(s, s.label)) for s in OPEN_STATUSES])
    # Any area may be asked for: one whose last open escalation was resolved simply matches
    # nothing (a poll of a bookmarked view must not turn into an error).
    area = SelectField("Product area", default="", validate_choice=False,
                       validators=[Length(max=dashboard.AREA_MAX_CHARS)])
    sort = SelectField("Sort by", default=dashboard.DEFAULT_SORT, choices=[
        SelectChoice(value, label) for value, label in dashboard.SORTS.items()])
    # Not a control of the form (changing a filter starts at page 1): the pager's links.
    page = IntegerField("Page", default=1,
                        validators=[Optional(), NumberRange(min=1, max=dashboard.MAX_PAGE)])
    submit = SubmitField("Apply filters")

    def to_query(self) -> dashboard.DashboardQuery:
        return dashboard.DashboardQuery(
            severity=int(self.severity.data) if self.severity.data else None,
            status=Status(self.status.data) if self.status.data else None,
            area=self.area.data or None,
            search=(self.q.data or "").strip(),
            sort=self.sort.data or dashboard.DEFAULT_SORT,
            page=self.page.data or 1,
        )

    def offer_areas(self, areas: tuple[tuple[str, int], ...]) -> None:
        choices = [SelectChoice("", "All product areas")] + [
            SelectChoice(area, f"{area} ({n})") for area, n in areas]
        if self.area.data and all(self.area.data != area for area, _ in areas):
            choices.append(SelectChoice(self.area.data, f"{self.area.data} (0)"))
        self.area.choices = choices


class InviteForm(PortalForm):
    email = EmailField("Email", validators=[DataRequired("Give their email address."),
                                            Length(max=254)])
    name = StringField("Name (optional)", validators=[Length(max=200)],
                       description="They can correct it when they accept.")
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.VIEWER.value,
                       description="Viewers follow escalations, comment and ask to escalate. "
                                   "Executives also see the executive view. Customer admins "
                                   "also manage the team.")
    submit = SubmitField("Send invitation")


class FeedLinksForm(PortalForm):
    """"Create feed links" and "Reset feed links": a button and its CSRF token."""
