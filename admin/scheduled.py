"""Scheduled proactive notices in the console: the global list, and scheduling, editing and
cancelling them on an escalation (preview first, then schedule)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from admin import bp
from admin.scheduled_forms import ScheduleForm
from portal.clock import now
from portal.escalations.placeholders import PLACEHOLDERS
from portal.extensions import db
from portal.forms import PortalForm
from portal.inputs import page_arg
from portal.loading import escalation_or_404, row_or_404
from portal.notices.models import Audience, ScheduledNotice, ScheduleStatus
from portal.operations import OperationError
from portal.outreach import scheduled as ops
from portal.outreach.queries import queued_counts, schedules
from portal.permissions import Capability, can_publish_on, requires
from portal.submissions import attach_error, perform, submit
from portal.templating import viewer_zone

PER_PAGE = 50


def _zone_label(zone: ZoneInfo) -> str:
    return now().astimezone(zone).strftime("%Z") + f" ({zone.key})"


def _local_to_utc(value: datetime, zone: ZoneInfo) -> datetime:
    return value.replace(tzinfo=zone).astimezone(ZoneInfo("UTC"))


def _may_schedule_on(escalation) -> None:
    """Account managers schedule notices for their own accounts only (403 otherwise)."""
    if not can_publish_on(current_user, escalation):
        abort(403)


def _handle(form: ScheduleForm, escalation, *, save, template: str, **context):
    """Preview, or (when the same content was previewed) save. Returns a response."""
    zone = viewer_zone()
    render = dict(form=form, escalation=escalation, placeholders=PLACEHOLDERS,
                  zone_label=_zone_label(zone), preview=None, sample=None, recipients=0,
                  **context)
    if not form.validate_on_submit():
        return render_template(template, **render), 422
    values = dict(subject=form.subject.data, body=form.body.data,
                  audience=Audience(form.audience.data),
                  first_send_at=_local_to_utc(form.first_send_at.data, zone),
                  repeat_hours=form.repeat_hours.data)
    try:
        ops.validate_schedule(escalation, creating=context.get("creating", True), **values)
    except OperationError as exc:
        attach_error(form, exc)
        return render_template(template, **render), 422
    confirmed = "schedule" in request.form and form.previewed.data == form.fingerprint()
    if confirmed:
        saved = submit(form, lambda: save(**values), validate=lambda: True)  # validated above
        if not saved.ok:
            return render_template(template, **render), 422
        return redirect(url_for("admin.escalation_delivery",
                                escalation_id=saved.value.escalation_id,
                                _anchor="scheduled-heading"))
    email, message, sample, count = ops.preview(escalation, subject=values["subject"],
                                       body=values["body"], audience=values["audience"])
    form.previewed.data = form.fingerprint()
    render.update(preview=email, preview_message=message, sample=sample, recipients=count,
                  must_preview="schedule" in request.form)
    return render_template(template, **render), 200


@bp.route("/escalations/<int:escalation_id>/scheduled/new", methods=["GET", "POST"])
@requires(Capability.SCHEDULE_NOTICES)
def new_scheduled_notice(escalation_id: int):
    escalation = escalation_or_404(escalation_id)
    _may_schedule_on(escalation)
    form = ScheduleForm()
    if request.method == "GET":
        form.first_send_at.data = now().astimezone(viewer_zone()).replace(
            second=0, microsecond=0, tzinfo=None)
        return render_template("admin/scheduled/form.html", form=form, escalation=escalation,
                               placeholders=PLACEHOLDERS, zone_label=_zone_label(viewer_zone()),
                               preview=None, sample=None, recipients=0, schedule=None,
                               creating=True)

    def save(**values):
        return ops.schedule_notice(escalation, actor=current_user, **values)

    return _handle(form, escalation, save=save, template="admin/scheduled/form.html",
                   schedule=None, creating=True)


@bp.route("/scheduled/<int:schedule_id>/edit", methods=["GET", "POST"])
@requires(Capability.SCHEDULE_NOTICES)
def edit_scheduled_notice(schedule_id: int):
    schedule = row_or_404(ScheduledNotice, schedule_id)
    escalation = schedule.escalation
    _may_schedule_on(escalation)
    if schedule.status != ScheduleStatus.ACTIVE:
        flash("This schedule is no longer active: it cannot be edited.", "error")
        return redirect(url_for("admin.escalation_delivery", escalation_id=escalation.id))
    form = ScheduleForm(obj=None if request.method == "POST" else schedule)
    if request.method == "GET":
        form.audience.data = schedule.audience.value
        form.first_send_at.data = schedule.first_send_at.astimezone(viewer_zone()).replace(
            tzinfo=None)
        return render_template("admin/scheduled/form.html", form=form, escalation=escalation,
                               placeholders=PLACEHOLDERS, zone_label=_zone_label(viewer_zone()),
                               preview=None, sample=None, recipients=0, schedule=schedule,
                               creating=False)

    def save(**values):
        return ops.edit_scheduled_notice(schedule, actor=current_user, **values)

    unchanged_time = form.first_send_at.data is not None and _local_to_utc(
        form.first_send_at.data, viewer_zone()) == schedule.first_send_at
    return _handle(form, escalation, save=save, template="admin/scheduled/form.html",
                   schedule=schedule, creating=not unchanged_time)


@bp.route("/scheduled/<int:schedule_id>/cancel", methods=["POST"])
@requires(Capability.SCHEDULE_NOTICES)
def cancel_scheduled_notice(schedule_id: int):
    schedule = row_or_404(ScheduledNotice, schedule_id)
    _may_schedule_on(schedule.escalation)
    if not PortalForm().validate_on_submit():
        abort(400)
    perform(lambda: ops.cancel_scheduled_notice(schedule, actor=current_user),
            done=f"Cancelled “{schedule.subject}”: nothing more will be sent.")
    back = request.form.get("next", "")
    if back.startswith("/admin/") and not back.startswith("//"):
        return redirect(back)
    return redirect(url_for("admin.escalation_delivery", escalation_id=schedule.escalation_id))


@bp.route("/scheduled")
def scheduled_notices():
    show = request.args.get("show", "active")
    page = page_arg()
    found = db.paginate(schedules(active_only=show == "active"), page=page,
                        per_page=PER_PAGE, error_out=False)
    return render_template("admin/scheduled/list.html", schedules=found.items, show=show,
                           page=page, pages=max(found.pages, 1), total=found.total,
                           queued=queued_counts([s.id for s in found.items]))
