"""Resolved and closed escalations, with the remediation still outstanding on them."""

from __future__ import annotations

from flask import request
from flask_login import current_user
from sqlalchemy import false

from portal.auth.access import customer_required
from portal.auth.preview import is_previewing, refusal
from portal.customer import bp
from portal.customer.forms import HistoryFilterForm
from portal.escalations.reporting import (
    history_for_organization,
    history_product_areas,
    remediation_progress_for,
    stopped_clocks_for,
)
from portal.exports import BATCH, batches, send_csv, time_heading
from portal.extensions import db
from portal.htmx import render_htmx_template
from portal.inputs import asked_filters, page_arg
from portal.markdown import plain_text

PER_PAGE = 25
HISTORY_LEAVE_OUT = ("page", "submit")  # the filter form's button is not a filter


@bp.route("/history")
@customer_required
def history():
    form, stmt = _filtered_history()
    results = db.paginate(stmt, page=page_arg(), per_page=PER_PAGE,
                       error_out=False)
    progress = remediation_progress_for(escalation.id for escalation in results.items)
    service_levels = stopped_clocks_for(current_user.organization_id, results.items)
    filters = asked_filters(HISTORY_LEAVE_OUT)
    return render_htmx_template(
        "customer/history.html", "customer/_history_rows.html",
        status=200 if not form.errors else 422,
        form=form, results=results, progress=progress, service_levels=service_levels,
        filters=filters,
        filtered=any(k in filters for k in ("q", "severity", "product_area"))
        or filters.get("within", "all") != "all",
    )


@bp.route("/history.csv")
@customer_required
def history_csv():
    """The history as filtered on the page, every page of it, as CSV."""
    if is_previewing():
        return refusal("An export is audited as the person who makes it: export as yourself.")
    form, stmt = _filtered_history()
    if form.errors:
        return history()  # the page, with the filters' messages by their fields (422)
    filters = asked_filters(HISTORY_LEAVE_OUT)
    heading = ("Reference", "Title", "Severity", "Status", "Product area",
               time_heading("Opened"), time_heading("Resolved"), "Hours to resolve",
               "Remediation steps done", "Remediation steps", "Resolution summary",
               "Acknowledge SLA", "Resolve SLA")
    return send_csv(f"escalation-history-{current_user.organization.slug}", heading,
                    _history_rows(stmt, current_user.organization_id),
                    organization_id=current_user.organization_id,
                    filters=filters)


def _history_rows(stmt, organization_id: int):
    for batch in batches(db.session.scalars(stmt.execution_options(yield_per=BATCH))):
        progress = remediation_progress_for(escalation.id for escalation in batch)
        service_levels = stopped_clocks_for(organization_id, batch)
        for e in batch:
            p = progress.get(e.id)
            hours = (round((e.resolved_at - e.opened_at).total_seconds() / 3600, 1)
                     if e.resolved_at else None)
            yield (e.reference, e.title, e.severity, e.status, e.product_area, e.opened_at,
                   e.resolved_at, hours, p.done if p else 0, p.total if p else 0,
                   plain_text(e.resolution_summary or ""),
                   *_met_or_missed(service_levels.get(e.id)))


def _met_or_missed(clocks) -> tuple[str, str]:
    """The two stopped clocks as the page says them ("Met", "Missed"); blank if not resolved."""
    if clocks is None:
        return ("", "")
    return (clocks.acknowledge.state.capitalize(), clocks.resolve.state.capitalize())


def _filtered_history():
    """The filter form (validated: its errors say what was refused) and the statement of the
    escalations it selects (none while a filter is refused)."""
    organization_id = current_user.organization_id
    form = HistoryFilterForm(request.args, areas=history_product_areas(organization_id))
    if not form.validate():
        return form, history_for_organization(organization_id).where(false())
    return form, history_for_organization(
        organization_id,
        severity=int(form.severity.data) if form.severity.data else None,
        product_area=form.product_area.data or None,
        within_days=None if form.within.data == "all" else int(form.within.data),
        search=form.q.data or "",
    )
