"""Opening an escalation from a helpdesk ticket, with the handoff template filled in."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from markupsafe import Markup, escape
from wtforms import SelectChoice

from admin import bp, navigation
from admin.escalation import active_staff, actor, staff_choice, workers
from admin.lifecycle_forms import NewEscalationForm, pick
from portal.accounts.models import Organization, User
from portal.administration.organizations import organizations_by_name
from portal.enums import ReputationalRisk, Trigger
from portal.escalations.operations import lifecycle as ops
from portal.extensions import db
from portal.operations import OperationError
from portal.permissions import Capability, requires
from portal.submissions import attach_error

navigation.main_entry("New escalation", "admin.new_escalation", order=15,
                      capability=Capability.WORK_ESCALATIONS, in_bar=True)


def _choices(form: NewEscalationForm) -> None:
    organizations = db.session.scalars(organizations_by_name()).all()
    form.organization.choices = [pick(), *(SelectChoice(o.id, o.name) for o in organizations)]
    staff = active_staff()
    form.owner.choices = [pick(), *map(staff_choice, workers(staff))]
    form.communicator.choices = [pick("Nobody yet"), *map(staff_choice, staff)]


@bp.route("/escalations/new", methods=["GET", "POST"])
@requires(Capability.WORK_ESCALATIONS)
def new_escalation():
    form = NewEscalationForm()
    _choices(form)
    if form.validate_on_submit():
        try:
            escalation = ops.open_escalation(
                db.session.get(Organization, form.organization.data), actor=actor(),
                title=form.title.data, severity=form.severity.data,
                trigger=Trigger(form.reason.data), handoff=form.handoff_template(),
                owner=db.session.get(User, form.owner.data),
                communicator=(db.session.get(User, form.communicator.data)
                              if form.communicator.data else None),
                product_area=(form.product_area.data or "").strip(),
                category=(form.category.data or "").strip(),
                source_ticket=form.source_ticket.data,
                users_affected=form.users_affected.data or 0,
                core_operations_blocked=form.core_operations_blocked.data,
                reputational_risk=ReputationalRisk(form.reputational_risk.data),
            )
        except ops.DuplicateTicket as duplicate:
            link = url_for("admin.escalation", escalation_id=duplicate.existing.id)
            form.source_ticket.errors = [Markup(
                f'{escape(str(duplicate))} <a href="{escape(link)}">Open '
                f'{escape(duplicate.existing.reference)}</a> instead.')]
        except OperationError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            pending = escalation.owner_id != actor().id
            flash(f"{escalation.reference} is open."
                  + (f" The handoff to {escalation.owner.name} waits for their "
                     "acknowledgement." if pending else ""), "success")
            return redirect(url_for("admin.escalation", escalation_id=escalation.id))
        db.session.rollback()  # nothing of a refused escalation stays behind
        return render_template("admin/create/new_escalation.html", form=form), 422
    if form.is_submitted():
        return render_template("admin/create/new_escalation.html", form=form), 422
    if form.owner.data is None:
        form.owner.data = actor().id
    return render_template("admin/create/new_escalation.html", form=form)
