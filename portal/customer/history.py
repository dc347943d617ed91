"""Resolved and closed escalations, with the remediation still outstanding on them."""

from __future__ import annotations

from flask import request
from flask_login import current_user
from sqlalchemy import false

from portal.auth.access import customer_required
from portal.customer import bp
from portal.customer.forms import HistoryFilterForm
from portal.escalations.reporting import (
    history_for_organization,
    history_product_areas,
    remediation_progress_for,
)
from portal.extensions import db
from portal.htmx import render_htmx_template
from portal.inputs import page_arg

PER_PAGE = 25


@bp.route("/history")
@customer_required
def history():
    organization_id = current_user.organization_id
    form = HistoryFilterForm(request.args, areas=history_product_areas(organization_id))
    valid = form.validate()
    if valid:
        stmt = history_for_organization(
            organization_id,
            severity=int(form.severity.data) if form.severity.data else None,
            product_area=form.product_area.data or None,
            within_days=None if form.within.data == "all" else int(form.within.data),
            search=form.q.data or "",
        )
    else:
        stmt = history_for_organization(organization_id).where(false())
    results = db.paginate(stmt, page=page_arg(), per_page=PER_PAGE,
                       error_out=False)
    progress = remediation_progress_for(escalation.id for escalation in results.items)
    filters = {key: value for key, value in request.args.items()
               if key not in ("page", "submit") and value}
    return render_htmx_template(
        "customer/history.html", "customer/_history_rows.html",
        status=200 if valid else 422,
        form=form, results=results, progress=progress, filters=filters,
        filtered=any(k in filters for k in ("q", "severity", "product_area"))
        or filters.get("within", "all") != "all",
    )
