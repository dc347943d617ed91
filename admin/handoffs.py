"""Handoffs: transferring ownership with the handoff template, the receiver's acknowledgement,
and "My handoffs" (pending to me and from me, overdue ones flagged)."""

from __future__ import annotations

from functools import lru_cache

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from admin import bp, navigation
from admin.escalation import act, active_staff, actor, staff_choice, workers
from admin.lifecycle_forms import AcknowledgeForm, TransferForm, pick
from portal.accounts.models import User
from portal.clock import now
from portal.escalations.models import Handoff
from portal.escalations.operations import lifecycle as ops
from portal.escalations.queries import (
    handoff_acknowledge_within,
    pending_handoff_count_column,
    pending_handoff_count_for,
    pending_handoffs_for,
    pending_handoffs_from,
)
from portal.extensions import db
from portal.loading import row_or_404
from portal.operations import OperationError
from portal.permissions import Capability, requires


def pending_for_me() -> int:
    """Handoffs waiting for the signed-in staff member's acknowledgement (the nav badge)."""
    return db.session.scalar(pending_handoff_count_for(current_user.id)) or 0


@lru_cache(maxsize=256)
def pending_for_me_column(user_id: int):
    """`pending_for_me` as a column, for a page that reads the badge with its own statement."""
    return pending_handoff_count_column(user_id)


navigation.main_entry("My handoffs", "admin.handoffs", order=20, count=pending_for_me,
                      column=pending_for_me_column, in_bar=True)


@bp.route("/handoffs")
@requires(Capability.VIEW_CONSOLE)
def handoffs():
    return render_template(
        "admin/handoffs/list.html",
        to_me=db.session.scalars(pending_handoffs_for(current_user.id)).all(),
        from_me=db.session.scalars(pending_handoffs_from(current_user.id)).all(),
        overdue_after=handoff_acknowledge_within(), at=now(),
        acknowledge_form=AcknowledgeForm(formdata=None),
    )


@bp.post("/escalations/<int:escalation_id>/transfer")
@requires(Capability.WORK_ESCALATIONS)
def transfer_ownership(escalation_id: int):
    form = TransferForm()
    form.to_user.choices = [pick(), *map(staff_choice, workers(active_staff()))]
    receiver: list[User] = []

    def transfer(escalation):
        to_user = db.session.get(User, form.to_user.data)
        receiver.append(to_user)
        ops.transfer_ownership(escalation, to_user, actor=actor(),
                               template=form.handoff_template())

    return act(escalation_id, "transfer", form, transfer, anchor="handoffs",
               done=lambda: f"{receiver[0].name} now owns the escalation. The handoff shows as "
                            "pending until they acknowledge it.")


def _back(handoff: Handoff) -> str:
    """Where the acknowledge button was pressed: My handoffs, the queue or the escalation."""
    target = request.form.get("next", "")
    if target.startswith("/admin/") and not target.startswith("//"):
        return target
    return url_for("admin.escalation", escalation_id=handoff.escalation_id, _anchor="handoffs")


@bp.post("/handoffs/<int:handoff_id>/acknowledge")
@requires(Capability.WORK_ESCALATIONS)
def acknowledge_handoff(handoff_id: int):
    handoff = row_or_404(Handoff, handoff_id)
    form = AcknowledgeForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        ops.acknowledge_handoff(handoff, actor=actor())
    except PermissionError:
        db.session.rollback()
        abort(403, description="Only the person receiving a handoff can acknowledge it.")
    except OperationError as error:
        db.session.rollback()
        flash(str(error), "info")
        return redirect(_back(handoff))
    db.session.commit()
    flash(f"You acknowledged the handoff of {handoff.escalation.reference}; it is yours.",
          "success")
    return redirect(_back(handoff))
