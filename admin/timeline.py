"""The escalation's Timeline tab: every entry (internal ones unmistakable), the composer with a
live Markdown preview, the confirmation step before anything reaches the customer, and
correcting or retracting an update.

Without JavaScript every step is a plain form; htmx only adds the live preview.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from admin import bp, navigation
from admin.timeline_forms import ComposerForm, EditForm, RetractForm
from portal.enums import Visibility
from portal.escalations.audiences import subscribers_of
from portal.escalations.internal_text import find_internal_text
from portal.escalations.models import Update, UpdateApproval, UpdateTemplate
from portal.escalations.operations.updates import (
    BODY_MAX,
    approval_required,
    cadence_next_update_by,
    check_customer_update,
    edit_update,
    may_revise,
    post_update,
    publish_customer_update,
    recent_duplicate,
    retract_update,
)
from portal.escalations.placeholders import fill_placeholders
from portal.escalations.queries import (
    active_update_templates,
    escalation_request_entries,
    held_updates_of,
    revision_counts,
    revisions_of,
    timeline_for,
)
from portal.extensions import db
from portal.inputs import bounded_int
from portal.loading import escalation_or_404, row_or_404
from portal.operations import OperationError
from portal.permissions import Capability, can, can_publish_on, requires
from portal.submissions import submit

navigation.escalation_tab("Timeline", "admin.escalation_timeline", order=20)

PAGE = "admin/timeline/timeline.html"
CONFIRM = "admin/timeline/confirm.html"


def to_utc(value: datetime | None) -> datetime | None:
    """A datetime-local value, read in the author's timezone."""
    if value is None:
        return None
    return value.replace(tzinfo=current_user.zone).astimezone(UTC)


def to_local(value: datetime | None) -> datetime | None:
    return value.astimezone(current_user.zone).replace(tzinfo=None) if value else None


def _allowed_visibilities(escalation) -> list[str]:
    """What this person may post here: internal notes if they work escalations, customer
    updates if they may publish on this one (asked once per request)."""
    allowed = []
    if can(current_user, Capability.WORK_ESCALATIONS):
        allowed.append(Visibility.INTERNAL.value)
    if can_publish_on(current_user, escalation):
        allowed.append(Visibility.CUSTOMER.value)
    return allowed


def _timeline_context(escalation, form: ComposerForm | None = None) -> dict:
    updates = db.session.scalars(timeline_for(escalation.id, customer_view=False)).all()
    revisions = revision_counts(escalation.id)
    held = db.session.scalars(held_updates_of(escalation.id)).all()
    templates = db.session.scalars(active_update_templates()).all()
    allowed = _allowed_visibilities(escalation)
    if form is None and allowed:
        form = ComposerForm(allowed, formdata=None)
        form.next_update_by.data = to_local(cadence_next_update_by(escalation))
        template_id = bounded_int(request.args.get("template"), low=1)
        if template_id:
            template = row_or_404(UpdateTemplate, template_id, archived_at=None)
            if Visibility.CUSTOMER.value in allowed:
                form.visibility.data = Visibility.CUSTOMER.value
            form.body.data = fill_placeholders(
                template.body, escalation, next_update_by=cadence_next_update_by(escalation),
                zone=escalation.organization.zone)
    return {"escalation": escalation, "updates": updates, "revisions": revisions,
            "request_entries": escalation_request_entries(escalation.id),
            "held": held, "templates": templates, "form": form,
            "needs_approval": approval_required(escalation),
            "may_revise": lambda update: may_revise(update, current_user)}


@bp.route("/escalations/<int:escalation_id>/timeline")
def escalation_timeline(escalation_id: int):
    escalation = escalation_or_404(escalation_id)
    return render_template(PAGE, **_timeline_context(escalation))


@bp.route("/escalations/<int:escalation_id>/timeline/preview", methods=["POST"])
@requires(Capability.POST_CUSTOMER_UPDATES)
def timeline_preview(escalation_id: int):
    """The live preview (htmx): the Markdown rendered exactly as the portal renders it, and for
    customer updates the internal-text warnings."""
    escalation = escalation_or_404(escalation_id)
    body = request.form.get("body", "")[:BODY_MAX]
    customer = request.form.get("visibility") == Visibility.CUSTOMER.value
    findings = (find_internal_text(body, escalation, author=current_user)
                if customer and body.strip() else [])
    return render_template("admin/timeline/_preview.html", body=body, customer=customer,
                           findings=findings)


@bp.route("/escalations/<int:escalation_id>/timeline", methods=["POST"])
def post_to_timeline(escalation_id: int):
    escalation = escalation_or_404(escalation_id)
    allowed = _allowed_visibilities(escalation)
    wanted = request.form.get("visibility", Visibility.INTERNAL.value)
    if wanted in {v.value for v in Visibility} and wanted not in allowed:
        abort(403)  # a value that is no visibility at all is the form's to refuse (422)
    form = ComposerForm(allowed)
    back = "back" in request.form
    if back or not form.validate():
        form.step.data = "compose"
        return render_template(PAGE, **_timeline_context(escalation, form)), 200 if back else 422
    if form.visibility.data == Visibility.INTERNAL.value:
        update = recent_duplicate(escalation, author=current_user, body=form.body.data,
                                  visibility=Visibility.INTERNAL) or post_update(
            escalation, author=current_user, body=form.body.data,
            visibility=Visibility.INTERNAL)
        db.session.commit()
        flash("Internal note added. Customers never see it.", "success")
        return redirect(url_for("admin.escalation_timeline", escalation_id=escalation.id,
                                _anchor=f"update-{update.id}"))
    return _publish(escalation, form)


def _publish(escalation, form: ComposerForm):
    """Customer updates: first the confirmation step, then publication (or approval)."""
    next_update_by = to_utc(form.next_update_by.data)
    findings = find_internal_text(form.body.data, escalation, author=current_user)
    confirming = form.step.data == "confirm"
    try:
        if confirming and findings and not form.checked.data:
            raise OperationError("Edit the update, or tick this once you have checked that "
                                 "each highlighted item is fine for the customer.", "checked")
        if not confirming:
            # Validate now so problems show beside the composer, not on the confirmation.
            # (Who may publish was asked once, on the way in: post_to_timeline.)
            check_customer_update(form.body.data, next_update_by)
            form.step.data = "confirm"
            return render_template(CONFIRM, **_confirm_context(escalation, form, findings))
        result = publish_customer_update(escalation, author=current_user, body=form.body.data,
                                         next_update_by=next_update_by)
    except OperationError as exc:
        db.session.rollback()
        field = getattr(form, exc.field or "body", form.body)
        field.errors = [*field.errors, str(exc)]
        if confirming and exc.field == "checked":
            return render_template(CONFIRM, **_confirm_context(escalation, form, findings)), 422
        form.step.data = "compose"
        return render_template(PAGE, **_timeline_context(escalation, form)), 422
    except PermissionError:
        abort(403)
    db.session.commit()
    if isinstance(result, UpdateApproval):
        flash("Sent for approval: a second staff member publishes it. Customers see nothing "
              "until then.", "info")
        return redirect(url_for("admin.escalation_timeline", escalation_id=escalation.id,
                                _anchor=f"held-{result.id}"))
    flash("Published to the customer.", "success")
    return redirect(url_for("admin.escalation_timeline", escalation_id=escalation.id,
                            _anchor=f"update-{result.id}"))


def _confirm_context(escalation, form, findings) -> dict:
    return {"escalation": escalation, "form": form, "findings": findings,
            "recipients": len(subscribers_of(escalation)),
            "needs_approval": approval_required(escalation),
            "next_update_by": to_utc(form.next_update_by.data)}


def _update_or_404(escalation_id: int, update_id: int) -> Update:
    return row_or_404(Update, update_id, escalation_id=escalation_id)


@bp.route("/escalations/<int:escalation_id>/timeline/<int:update_id>/edit",
          methods=["GET", "POST"])
def edit_timeline_update(escalation_id: int, update_id: int):
    escalation = escalation_or_404(escalation_id)
    update = _update_or_404(escalation.id, update_id)
    if not may_revise(update, current_user):
        abort(403)
    form = EditForm(data={"body": update.body} if request.method == "GET" else None)
    findings = (find_internal_text(form.body.data or "", escalation, author=update.author)
                if update.is_customer_visible else [])
    status = 200
    if request.method == "POST":
        def correct():
            if findings and not form.checked.data:
                raise OperationError("Edit the text, or tick this once you have checked "
                                     "each highlighted item.", "checked")
            edit_update(update, actor=current_user, body=form.body.data,
                        reason=form.reason.data or "")

        if submit(form, correct, default_field="body",
                  done="Update corrected. Customers see that it was corrected, not the old "
                       "text." if update.is_customer_visible else "Note corrected.").ok:
            return redirect(url_for("admin.escalation_timeline", escalation_id=escalation.id,
                                    _anchor=f"update-{update.id}"))
        status = 422
    return render_template("admin/timeline/edit.html", escalation=escalation, update=update,
                           form=form, retract_form=RetractForm(formdata=None),
                           findings=findings), status


@bp.route("/escalations/<int:escalation_id>/timeline/<int:update_id>/retract",
          methods=["POST"])
def retract_timeline_update(escalation_id: int, update_id: int):
    escalation = escalation_or_404(escalation_id)
    update = _update_or_404(escalation.id, update_id)
    if not may_revise(update, current_user):
        abort(403)
    form = RetractForm()
    if submit(form, lambda: retract_update(update, actor=current_user, reason=form.reason.data),
              done="Update retracted. Customers see only that it was retracted.",
              default_field="reason").ok:
        return redirect(url_for("admin.escalation_timeline", escalation_id=escalation.id,
                                _anchor=f"update-{update.id}"))
    return render_template("admin/timeline/edit.html", escalation=escalation, update=update,
                           form=EditForm(formdata=None, data={"body": update.body}),
                           retract_form=form, findings=[]), 422


@bp.route("/escalations/<int:escalation_id>/timeline/<int:update_id>/history")
def timeline_update_history(escalation_id: int, update_id: int):
    escalation = escalation_or_404(escalation_id)
    update = _update_or_404(escalation.id, update_id)
    revisions = db.session.scalars(revisions_of(update.id)).all()
    return render_template("admin/timeline/history.html", escalation=escalation, update=update,
                           revisions=revisions)
