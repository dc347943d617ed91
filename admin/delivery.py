"""The delivery log: every outbox row, globally and per escalation, with status, attempts and
the last error; dead letters can be sent again."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from admin import bp, navigation
from admin.delivery_forms import DeliveryFilterForm
from portal.administration.organizations import organization_names, organizations_by_name
from portal.escalations.models import Escalation
from portal.extensions import db
from portal.forms import PortalForm
from portal.inputs import asked_filters, page_arg
from portal.loading import escalation_or_404, row_or_404
from portal.notices.models import Channel, Notice, NoticeStatus
from portal.notices.operations import retry_notice
from portal.outreach.queries import (
    DeliveryFilters,
    delivery_log,
    events_in_outbox,
    reference_of,
    schedules_of,
    status_counts,
)
from portal.permissions import Capability, requires
from portal.submissions import perform

PER_PAGE = 50

navigation.main_entry("Delivery", "admin.delivery", order=60)
navigation.escalation_tab("Delivery", "admin.escalation_delivery", order=60)


def _page() -> int:
    return page_arg()


def _paged(filters: DeliveryFilters, page: int):
    found = db.paginate(delivery_log(filters), page=page, per_page=PER_PAGE, error_out=False)
    return found.items, found.total, max(found.pages, 1)


def filtered_deliveries(organizations) -> tuple[DeliveryFilterForm, DeliveryFilters]:
    """The delivery log's filter form (validated) and the filters it asks for (none while
    one is refused: the page shows every row and the message by the field)."""
    form = DeliveryFilterForm(request.args, events=events_in_outbox(),
                              organizations=organizations)
    if not form.validate():
        return form, DeliveryFilters()
    reference = (form.escalation.data or "").strip()
    return form, DeliveryFilters(
        status=NoticeStatus(form.status.data) if form.status.data else None,
        channel=Channel(form.channel.data) if form.channel.data else None,
        event=form.event.data or None,
        organization_id=int(form.organization.data) if form.organization.data else None,
        escalation_id=Escalation.id_from_reference(reference) if reference else None)


@bp.route("/delivery")
def delivery():
    organizations = db.session.scalars(organizations_by_name()).all()
    form, filters = filtered_deliveries(organizations)
    page = _page()
    notices, total, pages = _paged(filters, page)
    status = 422 if form.errors else 200
    return render_template(
        "admin/delivery/log.html", form=form, notices=notices, total=total, page=page,
        pages=pages, counts=status_counts(filters), filters=filters, reference_of=reference_of,
        organization_names={o.id: o.name for o in organizations},
        page_args=asked_filters()), status


@bp.route("/escalations/<int:escalation_id>/delivery")
def escalation_delivery(escalation_id: int):
    escalation = escalation_or_404(escalation_id)
    status_arg = request.args.get("status", "")
    filters = DeliveryFilters(
        escalation_id=escalation.id,
        status=NoticeStatus(status_arg) if status_arg in NoticeStatus._value2member_map_
        else None)
    page = _page()
    notices, total, pages = _paged(filters, page)
    schedules = db.session.scalars(schedules_of(escalation.id)).all()
    return render_template(
        "admin/delivery/escalation.html", escalation=escalation, notices=notices, total=total,
        page=page, pages=pages, counts=status_counts(filters), filters=filters,
        schedules=schedules, reference_of=reference_of, page_args=asked_filters())


@bp.route("/delivery/dead")
def dead_letters():
    page = _page()
    filters = DeliveryFilters(status=NoticeStatus.DEAD)
    notices, total, pages = _paged(filters, page)
    return render_template(
        "admin/delivery/dead.html", notices=notices, total=total, page=page, pages=pages,
        reference_of=reference_of, organization_names=organization_names())


@bp.route("/delivery/<int:notice_id>")
def delivery_notice(notice_id: int):
    notice = row_or_404(Notice, notice_id)
    return render_template("admin/delivery/notice.html", notice=notice,
                           reference=reference_of(notice.escalation_id),
                           retry_form=PortalForm())


@bp.route("/delivery/<int:notice_id>/retry", methods=["POST"])
@requires(Capability.WORK_ESCALATIONS)
def retry_delivery(notice_id: int):
    notice = row_or_404(Notice, notice_id)
    form = PortalForm()
    if not form.validate_on_submit():
        flash("The form expired: reload the page and try again.", "error")
        return redirect(url_for("admin.delivery_notice", notice_id=notice.id))
    if not perform(lambda: retry_notice(notice, actor=current_user),
                   done=f"Queued again for {notice.recipient}: it goes with the next "
                        "dispatch, with the same message id."):
        return redirect(url_for("admin.delivery_notice", notice_id=notice.id))
    back = request.form.get("next", "")
    if back.startswith("/admin/") and not back.startswith("//"):
        return redirect(back)
    return redirect(url_for("admin.delivery_notice", notice_id=notice.id))
