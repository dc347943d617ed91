"""Second approval of customer updates: the list of held updates (with a count in the main
navigation) and the review page where another staff member publishes or sends one back."""

from __future__ import annotations

from functools import lru_cache

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from admin import bp, navigation
from admin.approval_forms import ApproveForm, RejectForm
from admin.timeline import to_local, to_utc
from portal.escalations.internal_text import find_internal_text
from portal.escalations.models import UpdateApproval
from portal.escalations.operations.updates import approve_update, reject_update
from portal.escalations.queries import (
    pending_approval_count,
    pending_approval_count_column,
    pending_approvals,
    recently_decided_approvals,
)
from portal.extensions import db
from portal.loading import row_or_404
from portal.permissions import Capability, can_publish_on, requires
from portal.submissions import submit


def pending_count() -> int | None:
    """Updates waiting for approval, for the navigation."""
    return pending_approval_count()


@lru_cache(maxsize=1)
def _pending_count_column():
    return pending_approval_count_column()


def pending_count_column(user_id: int):
    """`pending_count` as a column (the same for everyone), for a page that reads the badge
    with its own statement."""
    return _pending_count_column()


navigation.main_entry("Approvals", "admin.approvals", order=30,
                      capability=Capability.POST_CUSTOMER_UPDATES, count=pending_count,
                      column=pending_count_column, in_bar=True)


@bp.route("/approvals")
@requires(Capability.POST_CUSTOMER_UPDATES)
def approvals():
    pending = db.session.scalars(pending_approvals()).all()
    decided = db.session.scalars(recently_decided_approvals()).all()
    return render_template("admin/approvals/list.html", pending=pending, decided=decided)


def _review(pending: UpdateApproval, approve_form=None, reject_form=None, status=200):
    if approve_form is None:
        approve_form = ApproveForm(formdata=None)
        approve_form.next_update_by.data = to_local(pending.next_update_by)
    return render_template(
        "admin/approvals/review.html", item=pending, escalation=pending.escalation,
        findings=find_internal_text(pending.body, pending.escalation,
                                    author=pending.author),
        may_decide=(pending.is_pending and pending.author_id != current_user.id
                    and can_publish_on(current_user, pending.escalation)),
        approve_form=approve_form, reject_form=reject_form or RejectForm(formdata=None),
    ), status


@bp.route("/approvals/<int:approval_id>")
@requires(Capability.POST_CUSTOMER_UPDATES)
def approval(approval_id: int):
    return _review(row_or_404(UpdateApproval, approval_id))


@bp.route("/approvals/<int:approval_id>/approve", methods=["POST"])
@requires(Capability.POST_CUSTOMER_UPDATES)
def approve(approval_id: int):
    pending = row_or_404(UpdateApproval, approval_id)
    form = ApproveForm()
    approved = submit(form, lambda: approve_update(
        pending, approver=current_user, next_update_by=to_utc(form.next_update_by.data)))
    if not approved.ok:  # rolled back: read the held update as it stands
        return _review(row_or_404(UpdateApproval, approval_id), approve_form=form, status=422)
    flash(f"Published to {pending.escalation.organization.name}.", "success")
    return redirect(url_for("admin.escalation_timeline", escalation_id=pending.escalation_id,
                            _anchor=f"update-{approved.value.id}"))


@bp.route("/approvals/<int:approval_id>/reject", methods=["POST"])
@requires(Capability.POST_CUSTOMER_UPDATES)
def reject(approval_id: int):
    pending = row_or_404(UpdateApproval, approval_id)
    form = RejectForm()
    if not submit(form, lambda: reject_update(pending, approver=current_user,
                                              reason=form.reason.data),
                  done="Sent back to the author. The customer saw nothing.",
                  default_field="reason").ok:
        return _review(row_or_404(UpdateApproval, approval_id), reject_form=form, status=422)
    return redirect(url_for("admin.approvals"))
