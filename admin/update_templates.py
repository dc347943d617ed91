"""Update templates (administrators) and which severities need a second approval (those who
set thresholds). Everyone in the console may read the list."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from admin import bp, navigation
from admin.update_template_forms import ApprovalSettingsForm, TemplateForm
from portal.escalations import queries
from portal.escalations.models import Escalation, UpdateTemplate
from portal.escalations.operations.update_templates import (
    archive_update_template,
    create_update_template,
    edit_update_template,
)
from portal.escalations.operations.updates import (
    APPROVAL_REQUIRED_SEVERITIES,
    BODY_MAX,
    cadence_next_update_by,
    set_approval_severities,
)
from portal.escalations.placeholders import PLACEHOLDERS, fill_placeholders, unknown_placeholders
from portal.extensions import db
from portal.loading import row_or_404
from portal.permissions import Capability, requires
from portal.settings import get_setting
from portal.submissions import submit

navigation.main_entry("Update templates", "admin.update_templates", order=70)


def sample_escalation() -> Escalation | None:
    """The escalation previews are rendered for: the most urgent open one, else any."""
    return db.session.scalars(queries.sample_escalation()).first()


def _sample_text(body: str) -> tuple[Escalation | None, str]:
    sample = sample_escalation()
    if sample is None:
        return None, body
    return sample, fill_placeholders(body, sample, next_update_by=cadence_next_update_by(sample),
                                     zone=sample.organization.zone)


@bp.route("/update-templates")
def update_templates():
    templates = db.session.scalars(queries.update_templates()).all()
    form = ApprovalSettingsForm(formdata=None, data={"severities": [
        str(s) for s in get_setting(*APPROVAL_REQUIRED_SEVERITIES)]})
    return render_template("admin/update_templates/list.html", templates=templates,
                           approval_form=form)


@bp.route("/update-templates/approval-settings", methods=["POST"])
@requires(Capability.SET_THRESHOLDS)
def update_approval_settings():
    form = ApprovalSettingsForm()
    if form.validate():
        set_approval_severities([int(s) for s in form.severities.data], actor=current_user)
        db.session.commit()
        flash("Approval settings saved.", "success")
        return redirect(url_for("admin.update_templates", _anchor="approval-settings"))
    templates = db.session.scalars(queries.update_templates(archived_last=False)).all()
    return render_template("admin/update_templates/list.html", templates=templates,
                           approval_form=form), 422


def _edit_page(form: TemplateForm, template: UpdateTemplate | None, status: int = 200):
    sample, text = _sample_text(form.body.data or "")
    return render_template("admin/update_templates/edit.html", form=form, template=template,
                           placeholders=PLACEHOLDERS, sample=sample, sample_text=text), status


def _save(form: TemplateForm, template: UpdateTemplate | None):
    if template is None:
        saved = submit(form, lambda: create_update_template(
            actor=current_user, name=form.name.data, body=form.body.data), default_field="body")
    else:
        saved = submit(form, lambda: edit_update_template(
            template, actor=current_user, name=form.name.data, body=form.body.data),
            default_field="body")
    if not saved.ok:
        return _edit_page(form, template, 422)
    flash(f"Template “{saved.value.name}” saved.", "success")
    return redirect(url_for("admin.update_templates"))


@bp.route("/update-templates/new", methods=["GET", "POST"])
@requires(Capability.MANAGE_ACCOUNTS)
def new_update_template():
    form = TemplateForm()
    if request.method == "POST":
        return _save(form, None)
    return _edit_page(form, None)


@bp.route("/update-templates/<int:template_id>/edit", methods=["GET", "POST"])
@requires(Capability.MANAGE_ACCOUNTS)
def edit_update_template_page(template_id: int):
    template = row_or_404(UpdateTemplate, template_id)
    form = TemplateForm(obj=template if request.method == "GET" else None)
    if request.method == "POST":
        return _save(form, template)
    return _edit_page(form, template)


@bp.route("/update-templates/<int:template_id>/archive", methods=["POST"])
@requires(Capability.MANAGE_ACCOUNTS)
def archive_update_template_page(template_id: int):
    template = row_or_404(UpdateTemplate, template_id)
    archived = request.form.get("archived", "1") == "1"
    archive_update_template(template, actor=current_user, archived=archived)
    db.session.commit()
    flash(f"Template “{template.name}” {'archived' if archived else 'restored'}.", "success")
    return redirect(url_for("admin.update_templates"))


@bp.route("/update-templates/preview", methods=["POST"])
@requires(Capability.MANAGE_ACCOUNTS)
def update_template_preview():
    body = request.form.get("body", "")[:BODY_MAX]
    sample, text = _sample_text(body)
    return render_template("admin/update_templates/_preview.html", sample=sample,
                           sample_text=text, unknown=unknown_placeholders(body))
