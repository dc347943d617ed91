"""The Review tab of the escalation page: the post-incident review editor, its remediation
actions, the way to publication (draft → in review → published, with a confirmation), and the
PDF of every version. Reading needs the console; editing WORK_ESCALATIONS; publishing is
customer-facing, so it takes `can_publish_on` the escalation."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from admin import bp, navigation
from admin.review_forms import (
    ActionForm,
    EmptyForm,
    PublishForm,
    ReviewForm,
    choice_from_form,
    choose_among,
    highlights_for_form,
    highlights_from_form,
)
from portal.accounts.models import Organization
from portal.enums import StepStatus
from portal.escalations.audiences import subscribers_of
from portal.extensions import db
from portal.loading import escalation_or_404, row_or_404
from portal.permissions import Capability, can, can_publish_on, requires
from portal.reports import jobs, operations, publishing, serving
from portal.reports.content import resolved
from portal.reports.models import FIELDS, RenderJob, Review, ReviewAction, ReviewState
from portal.reports.operations import executives_of
from portal.reports.queries import review_of
from portal.reports.summary import BadPeriod, period_for
from portal.reports.timeline import MAX_ENTRY_CHARS, chosen_by_default, customer_timeline
from portal.submissions import perform, submit

navigation.escalation_tab("Review", "admin.escalation_review", order=50)


def _review_of(escalation) -> Review | None:
    return db.session.scalar(review_of(escalation.id))


def _review_or_404(escalation) -> Review:
    review = _review_of(escalation)
    if review is None:
        abort(404)
    return review


def _back(escalation_id: int, anchor: str | None = None):
    return redirect(url_for("admin.escalation_review", escalation_id=escalation_id,
                            _anchor=anchor))


def _page(escalation, review, *, form=None, action_forms=None, new_action=None,
          status: int = 200):
    zone = escalation.organization.zone
    entries = customer_timeline(escalation) if review is not None else []
    if review is not None and form is None:
        form = ReviewForm(data={**{f.name: getattr(review, f.name) for f in FIELDS},
                                "root_cause_category": review.root_cause_category,
                                "highlights": highlights_for_form(review, zone),
                                "timeline_choices": review.timeline_choices or []})
    if form is not None:
        choose_among(form, entries)
    if review is not None and action_forms is None:
        action_forms = {a.id: ActionForm(prefix=f"action-{a.id}", data={
            "title": a.title, "owner": a.owner, "due_on": a.due_on, "status": a.status.value})
            for a in review.actions}
    return render_template(
        "admin/review/edit.html", escalation=escalation, review=review, form=form,
        fields=FIELDS, action_forms=action_forms or {}, entries=entries,
        by_default=chosen_by_default, max_entry_chars=MAX_ENTRY_CHARS,
        new_action=new_action or ActionForm(prefix="new-action"), button=EmptyForm(),
        may_edit=can(current_user, Capability.WORK_ESCALATIONS),
        may_publish=can_publish_on(current_user, escalation),
        publication=review and publishing.publication_in_progress(review.id),
        refusal=review and publishing.last_refusal(review),
        resolved=resolved(escalation), zone=zone.key), status


@bp.route("/escalations/<int:escalation_id>/review")
def escalation_review(escalation_id: int):
    escalation = escalation_or_404(escalation_id)
    return _page(escalation, _review_of(escalation))


@bp.route("/escalations/<int:escalation_id>/review/start", methods=["POST"])
@requires(Capability.WORK_ESCALATIONS)
def start_review(escalation_id: int):
    escalation = escalation_or_404(escalation_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    perform(lambda: operations.start_review(escalation, actor=current_user),
            done="Review started from the customer-visible timeline.")
    return _back(escalation_id)


@bp.route("/escalations/<int:escalation_id>/review", methods=["POST"])
@requires(Capability.WORK_ESCALATIONS)
def save_review(escalation_id: int):
    escalation = escalation_or_404(escalation_id)
    review = _review_or_404(escalation)
    form = ReviewForm()
    saved = "Review saved." if review.state != ReviewState.DRAFT or not review.latest_version \
        else "Saved: this revision is a draft until you publish it."
    if submit(form, lambda: operations.save_review(
            review, actor=current_user,
            values={name: form[name].data or "" for name in
                    [f.name for f in FIELDS] + ["root_cause_category"]},
            highlights=highlights_from_form(form, escalation.organization.zone),
            timeline_choices=choice_from_form(form)),
            done=saved).ok:
        return _back(escalation_id)
    return _page(escalation, review, form=form, status=422)


def _transition(escalation_id: int, operation, done: str):
    escalation = escalation_or_404(escalation_id)
    review = _review_or_404(escalation)
    if not EmptyForm().validate_on_submit():
        abort(400)
    perform(lambda: operation(review, actor=current_user), done=done)
    return _back(escalation_id)


@bp.route("/escalations/<int:escalation_id>/review/submit", methods=["POST"])
@requires(Capability.WORK_ESCALATIONS)
def submit_review(escalation_id: int):
    return _transition(escalation_id, operations.submit_review,
                       "Submitted for review. Someone who may publish can now publish it.")


@bp.route("/escalations/<int:escalation_id>/review/return", methods=["POST"])
@requires(Capability.WORK_ESCALATIONS)
def return_review(escalation_id: int):
    return _transition(escalation_id, operations.return_to_draft, "Back to draft.")


@bp.route("/escalations/<int:escalation_id>/review/publish", methods=["GET", "POST"])
@requires(Capability.POST_CUSTOMER_UPDATES)
def publish_review(escalation_id: int):
    escalation = escalation_or_404(escalation_id)
    review = _review_or_404(escalation)
    if not can_publish_on(current_user, escalation):
        abort(403)
    form = PublishForm()
    status = 200
    if request.method == "POST":
        # The PDF is made first; the job publishes (and tells people) once it renders.
        requested = submit(form, lambda: publishing.request_publication(
            review, actor=current_user, confirmed=bool(form.confirm.data)))
        if requested.ok:
            jobs.start(requested.value)
            return redirect(url_for("admin.render_status", job_id=requested.value.id), 303)
        status = 422
    audience = {u.id: u for u in [*executives_of(escalation.organization_id),
                                  *subscribers_of(escalation)]}
    return render_template("admin/review/publish.html", escalation=escalation, review=review,
                           form=form, audience=list(audience.values())), status


def _action_or_404(escalation, action_id: int) -> ReviewAction:
    review = _review_or_404(escalation)
    return row_or_404(ReviewAction, action_id, review_id=review.id)


@bp.route("/escalations/<int:escalation_id>/review/actions", methods=["POST"])
@requires(Capability.WORK_ESCALATIONS)
def add_review_action(escalation_id: int):
    escalation = escalation_or_404(escalation_id)
    review = _review_or_404(escalation)
    form = ActionForm(prefix="new-action")
    if submit(form, lambda: operations.add_action(
            review, actor=current_user, title=form.title.data, owner=form.owner.data,
            due_on=form.due_on.data, status=StepStatus(form.status.data)),
            done="Action added.").ok:
        return _back(escalation_id, "actions")
    return _page(escalation, review, new_action=form, status=422)


@bp.route("/escalations/<int:escalation_id>/review/actions/<int:action_id>", methods=["POST"])
@requires(Capability.WORK_ESCALATIONS)
def update_review_action(escalation_id: int, action_id: int):
    escalation = escalation_or_404(escalation_id)
    action = _action_or_404(escalation, action_id)
    form = ActionForm(prefix=f"action-{action.id}")
    if submit(form, lambda: operations.update_action(
            action, actor=current_user, title=form.title.data, owner=form.owner.data,
            due_on=form.due_on.data, status=StepStatus(form.status.data)),
            done="Action saved.").ok:
        return _back(escalation_id, "actions")
    review = action.review
    forms = {a.id: (form if a.id == action.id else ActionForm(prefix=f"action-{a.id}", data={
        "title": a.title, "owner": a.owner, "due_on": a.due_on, "status": a.status.value}))
        for a in review.actions}
    return _page(escalation, review, action_forms=forms, status=422)


@bp.route("/escalations/<int:escalation_id>/review/actions/<int:action_id>/delete",
          methods=["POST"])
@requires(Capability.WORK_ESCALATIONS)
def remove_review_action(escalation_id: int, action_id: int):
    escalation = escalation_or_404(escalation_id)
    action = _action_or_404(escalation, action_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    operations.remove_action(action, actor=current_user)
    db.session.commit()
    flash("Action removed.", "success")
    return _back(escalation_id, "actions")


@bp.route("/escalations/<int:escalation_id>/review/preview.pdf")
def review_preview_pdf(escalation_id: int):
    escalation = escalation_or_404(escalation_id)
    return serving.send_preview(_review_or_404(escalation),
                                prepared=request.args.get("prepared", type=int))


@bp.route("/escalations/<int:escalation_id>/review/v<int:version>.pdf")
def review_version_pdf(escalation_id: int, version: int):
    target = serving.find_version(escalation_id, version)  # one query: the customer's path
    if target is None:
        abort(404)
    return serving.send_version(target, prepared=request.args.get("prepared", type=int))


@bp.route("/organizations/<int:organization_id>/summary.pdf")
def organization_summary_pdf(organization_id: int):
    organization = row_or_404(Organization, organization_id)
    try:
        period = period_for(request.args.get("period"), organization.timezone)
    except BadPeriod:
        abort(404)
    return serving.send_summary(organization, period,
                                prepared=request.args.get("prepared", type=int))


@bp.route("/reports/preparing/<int:job_id>")
def render_status(job_id: int):
    """A PDF being prepared (or a publication waiting on its PDF): progress page or JSON."""
    return serving.answer_status(row_or_404(RenderJob, job_id))
