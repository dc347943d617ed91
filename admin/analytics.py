"""Staff analytics: the practice's figures by month, filtered and grouped, as charts, tables and
CSV (portal.analytics); and the monthly ticket volumes the escalation rate divides by."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from admin import bp, navigation
from admin.analytics_forms import AnalyticsFilterForm, TicketVolumeForm
from portal.accounts.models import Organization
from portal.administration.organizations import organizations_by_name
from portal.analytics import presentation
from portal.analytics.filters import GROUPINGS, AnalyticsFilter, month_key, month_start, months_back
from portal.analytics.oncall_load import CSV_HEADING as ONCALL_CSV_HEADING
from portal.analytics.oncall_load import oncall_load
from portal.analytics.operations import record_ticket_volume
from portal.analytics.queries import product_areas, staff_by_name, ticket_volumes
from portal.analytics.report import analytics_report
from portal.clock import now
from portal.enums import SEVERITY_LABELS, Tier
from portal.exports import send_csv
from portal.extensions import db
from portal.inputs import asked_filters
from portal.permissions import Capability, requires
from portal.submissions import submit

navigation.main_entry(
    "Analytics", "admin.analytics", order=85, capability=Capability.VIEW_ANALYTICS, in_bar=True
)

DEFAULT_MONTHS = 6


def _filter_form() -> tuple[AnalyticsFilterForm, dict[str, dict[str, str]]]:
    """The filter form with its choices, and the labels of group keys per grouping."""
    form = AnalyticsFilterForm(request.args)
    organizations = db.session.scalars(organizations_by_name()).all()
    owners = db.session.scalars(staff_by_name()).all()
    areas = product_areas()
    form.organization.choices = [SelectChoice(None, "Any organization")] + [
        SelectChoice(org.id, org.name) for org in organizations
    ]
    form.owner.choices = [SelectChoice(None, "Any owner")] + [
        SelectChoice(user.id, user.name) for user in owners
    ]
    form.product_area.choices = [SelectChoice("", "Any product area")] + [
        SelectChoice(area, area) for area in areas
    ]
    labels = {
        "organization": {str(org.id): org.name for org in organizations},
        "owner": {str(user.id): user.name for user in owners} | {"none": "Unassigned"},
        "severity": {str(n): f"Sev {n} — {label.lower()}" for n, label in SEVERITY_LABELS.items()},
        "tier": {tier.value: tier.value for tier in Tier},
        "product_area": {"": "(no product area)"},
    }
    return form, labels


def _filters(form: AnalyticsFilterForm) -> AnalyticsFilter:
    this_month = now().date().replace(day=1)
    until = month_start(form.until.data.strip()) if form.until.data else this_month
    since = (
        month_start(form.since.data.strip())
        if form.since.data
        else months_back(until, DEFAULT_MONTHS - 1)
    )
    return AnalyticsFilter(
        since=since,
        until=until,
        organization_id=form.organization.data,
        severity=form.severity.data,
        tier=Tier(form.tier.data) if form.tier.data else None,
        product_area=form.product_area.data or None,
        owner_id=form.owner.data,
        group_by=form.group_by.data or None,
    )


def _report(form, labels):
    filters = _filters(form)
    return analytics_report(filters, group_labels=labels.get(filters.group_by or "", {}))


@bp.route("/analytics")
@requires(Capability.VIEW_ANALYTICS)
def analytics():
    form, labels = _filter_form()
    if not form.validate():
        return render_template(
            "admin/analytics/page.html",
            form=form,
            report=None,
            charts=[],
            args={},
            month_label=presentation.month_label,
            grouping=None,
            active=0,
        ), 422
    report = _report(form, labels)
    return render_template(
        "admin/analytics/page.html",
        form=form,
        report=report,
        charts=presentation.charts(report),
        columns=presentation.COLUMNS,
        column=presentation.BY_HEADING,
        tier_columns=presentation.tier_columns(),
        month_label=presentation.month_label,
        grouping=GROUPINGS.get(report.filters.group_by or ""),
        active=report.filters.active_filters,
        args=asked_filters(),
        oncall_load=oncall_load(report.filters.since, report.filters.until),
    )


@bp.route("/analytics.csv")
@requires(Capability.VIEW_ANALYTICS)
def analytics_csv():
    form, labels = _filter_form()
    if not form.validate():
        return analytics()
    report = _report(form, labels)
    grouping = GROUPINGS.get(report.filters.group_by or "", "")
    return send_csv(
        "analytics",
        presentation.CSV_HEADING,
        presentation.csv_rows(report, grouping),
        filters=asked_filters(),
    )


@bp.route("/analytics/on-call.csv")
@requires(Capability.VIEW_ANALYTICS)
def analytics_oncall_csv():
    form, _ = _filter_form()
    if not form.validate():
        return analytics()
    filters = _filters(form)
    return send_csv("oncall-load", ONCALL_CSV_HEADING,
                    (load.csv_row() for load in oncall_load(filters.since, filters.until)),
                    filters=asked_filters())


def _volume_page(form: TicketVolumeForm, status: int = 200):
    volumes = db.session.execute(ticket_volumes()).all()
    return render_template(
        "admin/analytics/ticket_volumes.html", form=form, volumes=volumes
    ), status


def _volume_form() -> TicketVolumeForm:
    form = TicketVolumeForm()
    form.organization.choices = [SelectChoice(None, "Choose…")] + [
        SelectChoice(org.id, org.name) for org in db.session.scalars(organizations_by_name())
    ]
    if not form.month.data and request.method == "GET":
        form.month.data = month_key(months_back(now().date(), 1))
    return form


@bp.route("/analytics/ticket-volumes", methods=["GET", "POST"])
@requires(Capability.RECORD_TICKET_VOLUMES)
def ticket_volume_entry():
    form = _volume_form()
    if request.method == "GET":
        return _volume_page(form)
    outcome = submit(
        form,
        lambda: record_ticket_volume(
            db.session.get(Organization, form.organization.data),
            month_start(form.month.data.strip()),
            form.tickets.data,
            actor=current_user,
        ),
        done="Ticket volume saved.",
        default_field="tickets",
    )
    if outcome.ok:
        return redirect(url_for("admin.ticket_volume_entry"))
    return _volume_page(form, 422)
