"""The customer dashboard: the organization's open escalations, live.

One URL serves the page, and (to htmx) the rows fragment that the page polls every
POLL_INTERVAL_SECONDS. Both carry a weak ETag built from customer-visible data only; an
unchanged poll costs one aggregate query and answers 304 (see portal.escalations.dashboard).
"""

from __future__ import annotations

from flask import current_app, make_response, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SearchField, SelectChoice, SelectField, SubmitField
from wtforms.validators import Length, Optional

from portal.auth.access import customer_required
from portal.auth.preview import is_previewing
from portal.clock import now
from portal.customer import bp
from portal.enums import OPEN_STATUSES, SEVERITY_LABELS, Status
from portal.escalations import dashboard
from portal.htmx import render_htmx_template, wants_fragment

PAGE = "customer/dashboard.html"
FRAGMENT = "customer/_escalation_rows.html"
STATUS_LABELS = {Status.WAITING_ON_CUSTOMER: "Waiting on you"}


class DashboardFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter: nothing changes

    q = SearchField("Search", validators=[Optional(), Length(max=dashboard.SEARCH_MAX_CHARS)],
                    description="A reference such as ESC-1042, or words from the title.")
    severity = SelectField("Severity", default="", choices=[SelectChoice("", "All severities")] + [
        SelectChoice(str(n), f"Sev {n} · {label}") for n, label in SEVERITY_LABELS.items()])
    status = SelectField("Status", default="", choices=[SelectChoice("", "All open statuses")] + [
        SelectChoice(s.value, STATUS_LABELS.get(s, s.label)) for s in OPEN_STATUSES])
    # Any area may be asked for: one whose last open escalation was resolved simply matches
    # nothing (a poll of a bookmarked view must not turn into an error).
    area = SelectField("Product area", default="", validate_choice=False,
                       validators=[Length(max=80)])
    sort = SelectField("Sort by", default=dashboard.DEFAULT_SORT, choices=[
        SelectChoice(value, label) for value, label in dashboard.SORTS.items()])
    submit = SubmitField("Apply filters")

    def to_query(self) -> dashboard.DashboardQuery:
        return dashboard.DashboardQuery(
            severity=int(self.severity.data) if self.severity.data else None,
            status=Status(self.status.data) if self.status.data else None,
            area=self.area.data or None,
            search=(self.q.data or "").strip(),
            sort=self.sort.data or dashboard.DEFAULT_SORT,
        )

    def offer_areas(self, areas: tuple[tuple[str, int], ...]) -> None:
        choices = [SelectChoice("", "All product areas")] + [
            SelectChoice(area, f"{area} ({n})") for area, n in areas]
        if self.area.data and all(self.area.data != area for area, _ in areas):
            choices.append(SelectChoice(self.area.data, f"{self.area.data} (0)"))
        self.area.choices = choices


@bp.route("/escalations")
@customer_required
def home():
    form = DashboardFilterForm(request.args)
    valid = form.validate()
    query = form.to_query() if valid else dashboard.DashboardQuery()
    at = now()
    poll_seconds = int(current_app.config.get("POLL_INTERVAL_SECONDS", 15))
    summary = dashboard.summarize(current_user.organization_id, query)

    def tag(variant: str) -> str:
        # The viewer's own timezone setting shapes every time shown (an organization's
        # timezone change shows within a minute, through the minute in the tag).
        viewer = f"{current_user.id}:{current_user.timezone or ''}:{int(valid)}"
        if is_previewing():  # staff previewing as this user see a banner the user never does
            viewer += ":preview"
        return dashboard.etag(summary, query, variant=variant, viewer=viewer, at=at,
                              poll_seconds=poll_seconds)

    variant = "fragment" if wants_fragment() else "page"
    etag = tag(variant)
    if request.if_none_match.contains_weak(etag):
        response = make_response("", 304)
        response.set_etag(etag, weak=True)
        return response

    organization = dashboard.organization_with_policy(current_user.organization_id)
    rows = dashboard.load_rows(organization, query, at=at) if valid else []
    form.offer_areas(summary.areas)
    body, status = render_htmx_template(
        PAGE, FRAGMENT, status=200 if valid else 422,
        form=form,
        board=dashboard.Dashboard(query=query, summary=summary, rows=rows),
        at=at,
        etag=tag("fragment"),
        poll_seconds=poll_seconds,
        poll_url=url_for("customer.home", **query.args()),  # no polling while invalid
        clear_url=url_for("customer.home", **({"sort": query.sort}
                                              if query.sort != dashboard.DEFAULT_SORT else {})),
    )
    response = make_response(body, status)
    response.set_etag(etag, weak=True)
    return response

