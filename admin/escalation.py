"""The escalation page in the console: a header shared by every tab, and the overview tab with
the lifecycle controls (edit, severity, status, tier, communicator, ownership).

Every control is a plain POST form: success redirects back to the overview with a message;
refused input answers 422 with the page and the message beside its field, and nothing of the
refused change stays in the database.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_login import current_user
from wtforms import SelectChoice

from admin import bp, navigation
from admin.lifecycle_forms import (
    STATUS_ACTIONS,
    AcknowledgeForm,
    CommunicatorForm,
    EditForm,
    RequestAnswerForm,
    SeverityForm,
    StatusForm,
    TierForm,
    TransferForm,
    pick,
)
from portal.accounts.models import User
from portal.administration import people
from portal.clock import now
from portal.enums import ReputationalRisk, Status, Tier, Trigger
from portal.escalations import workflow
from portal.escalations.clocks import clocks_for
from portal.escalations.models import Escalation, Handoff
from portal.escalations.operations import lifecycle as ops
from portal.escalations.operations.tiers import decline_escalation_requests, open_requests
from portal.escalations.queries import (
    handoff_acknowledge_within,
    handoffs_of_escalation,
    pending_handoff_to_owner,
)
from portal.extensions import db, htmx
from portal.forms import PortalForm
from portal.loading import escalation_or_404
from portal.oncall.page_operations import open_pages_for_escalation
from portal.oncall.responsibility import on_call_for_escalation
from portal.oncall.triage_queries import triage_state
from portal.operations import OperationError
from portal.permissions import Capability, can, requires
from portal.submissions import submit

OVERVIEW = "admin/escalation/overview.html"

navigation.escalation_tab("Overview", "admin.escalation", order=10)


# ---------------------------------------------------------------------------- shared helpers

def active_staff() -> list[User]:
    """Active staff, by name: the people an escalation can be given to or spoken for by."""
    return list(db.session.scalars(people.active_staff()))


def staff_choice(user: User) -> SelectChoice:
    return SelectChoice(user.id, f"{user.name} · {user.role.label}")


def workers(staff: list[User]) -> list[User]:
    """Who may own an escalation: staff whose role works escalations."""
    return [user for user in staff if can(user, Capability.WORK_ESCALATIONS)]


def actor() -> User:
    return current_user._get_current_object()


@bp.app_template_global()
def pending_handoff_of(escalation: Escalation) -> Handoff | None:
    """The unacknowledged handoff of an escalation, for the banner every tab shows."""
    return db.session.scalars(pending_handoff_to_owner(escalation)).first()


bp.add_app_template_global(handoff_acknowledge_within, "handoff_overdue_after")


# ---------------------------------------------------------------------------- the overview

def overview_context(escalation: Escalation, *, failed: str | None = None,
                     form: PortalForm | None = None, status_error: str | None = None) -> dict:
    """Everything the overview renders; `failed` names the refused form, shown bound."""
    staff = active_staff()
    bound = {failed: form} if failed else {}
    allowed = workflow.allowed_statuses(escalation.status)

    edit = bound.get("edit") or EditForm(formdata=None, obj=escalation,
                                         reputational_risk=escalation.reputational_risk.value)
    severity = bound.get("severity") or SeverityForm(formdata=None,
                                                     severity=escalation.severity)
    tier = bound.get("tier") or TierForm(formdata=None)
    adjacent = [t for t in workflow.TIER_ORDER
                if abs(workflow.TIER_ORDER.index(t)
                       - workflow.TIER_ORDER.index(escalation.tier)) == 1]
    tier.target.choices = [SelectChoice(t.value, _tier_words(escalation.tier, t))
                          for t in adjacent]
    communicator = bound.get("communicator") or CommunicatorForm(
        formdata=None, communicator=escalation.communicator_id)
    communicator.communicator.choices = [pick(), *map(staff_choice, staff)]
    handoffs = db.session.scalars(handoffs_of_escalation(escalation.id)).all()
    latest = handoffs[0] if handoffs else None
    transfer = bound.get("transfer") or TransferForm(  # start from what the last one said
        formdata=None, summary=escalation.summary, customer_impact=escalation.customer_impact,
        steps_taken=latest.steps_taken if latest else "",
        environment=latest.environment if latest else "")
    transfer.to_user.choices = [pick(), *(
        staff_choice(user) for user in workers(staff) if user.id != escalation.owner_id)]
    status_forms = {target: StatusForm(target.value, formdata=None) for target in allowed}
    if failed and failed.startswith("status-"):
        target = Status(failed.removeprefix("status-"))
        if target in status_forms:
            status_forms[target] = form
    return dict(
        escalation=escalation, clocks=clocks_for(escalation), handoffs=handoffs,
        allowed_statuses=allowed, status_forms=status_forms, status_error=status_error,
        is_reopen=lambda target: workflow.is_reopen(escalation.status, target),
        status_actions=STATUS_ACTIONS,
        edit_form=edit, severity_form=severity, tier_form=tier,
        communicator_form=communicator, transfer_form=transfer,
        acknowledge_form=AcknowledgeForm(formdata=None), failed=failed,
        customer_requests=open_requests(escalation.id),
        next_tier=workflow.next_tier(escalation.tier) if escalation.tier != Tier.MANAGEMENT
        else None,
        request_forms={answer: bound.get(f"request-{answer}")
                       or RequestAnswerForm(answer, formdata=None)
                       for answer in ("accept", "decline")},
        overdue_after=handoff_acknowledge_within(), at=now(),
        can_work=can(current_user, Capability.WORK_ESCALATIONS),
        on_call=on_call_for_escalation(escalation, now()),
        triage=triage_state(escalation.id),
        oncall_pages=db.session.scalars(open_pages_for_escalation(escalation.id)).all(),
    )


def _tier_words(current: Tier, target: Tier) -> str:
    up = workflow.TIER_ORDER.index(target) > workflow.TIER_ORDER.index(current)
    return f"{'Escalate' if up else 'De-escalate'} to {target.value}"


@bp.route("/escalations/<int:escalation_id>")
@requires(Capability.VIEW_CONSOLE)
def escalation(escalation_id: int):
    return render_template(OVERVIEW, **overview_context(escalation_or_404(escalation_id)))


def act(escalation_id: int, name: str, form: PortalForm, action: Callable[[Escalation], object],
        *, done: str | Callable[[], str], anchor: str, illegal_field: str | None = None):
    """Validate, run the operation, commit once; or answer 422 with nothing saved."""
    escalation = escalation_or_404(escalation_id)
    if submit(form, lambda: action(escalation), validate=form.validate_on_submit,
              default_field=illegal_field,
              refusals=(OperationError, workflow.IllegalTransition)).ok:
        flash(done() if callable(done) else done, "success")
        return redirect(url_for("admin.escalation", escalation_id=escalation_id,
                                _anchor=anchor))
    escalation = escalation_or_404(escalation_id)  # as it is, nothing of the refusal kept
    status_error = None
    if name.startswith("status-") and form.form_errors:
        status_error = " ".join(form.form_errors)
    response = make_response(render_template(OVERVIEW, **overview_context(
        escalation, failed=name, form=form, status_error=status_error)), 422)
    if htmx:  # a boosted form would otherwise put its POST-only action in the address bar
        response.headers["HX-Push-Url"] = url_for("admin.escalation",
                                                  escalation_id=escalation_id)
    return response


# ---------------------------------------------------------------------------- the controls

@bp.post("/escalations/<int:escalation_id>/edit")
@requires(Capability.WORK_ESCALATIONS)
def edit_escalation(escalation_id: int):
    form = EditForm()
    return act(escalation_id, "edit", form, lambda escalation: ops.edit_escalation(
        escalation, actor=actor(), title=form.title.data or "",
        summary=form.summary.data or "", customer_impact=form.customer_impact.data or "",
        product_area=form.product_area.data or "", category=form.category.data or "",
        users_affected=form.users_affected.data or 0,
        core_operations_blocked=form.core_operations_blocked.data,
        reputational_risk=ReputationalRisk(form.reputational_risk.data)),
        done="The escalation's details are saved.", anchor="details")


@bp.post("/escalations/<int:escalation_id>/customer-request/<answer>")
@requires(Capability.WORK_ESCALATIONS)
def answer_customer_request(escalation_id: int, answer: str):
    """Accept customers' request for the next level (the tier goes up one, triggered by the
    request) or decline it; the reason goes on their timeline either way."""
    if answer not in ("accept", "decline"):
        abort(404)
    form = RequestAnswerForm(answer)

    def accept(escalation: Escalation):
        if not open_requests(escalation.id):
            raise OperationError("No request for the next level is waiting on this escalation.")
        ops.change_tier(escalation, workflow.next_tier(escalation.tier), actor=actor(),
                        reason=form.reason.data or "", trigger=Trigger.CUSTOMER_REQUEST)

    def decline(escalation: Escalation):
        decline_escalation_requests(escalation, actor=actor(), reason=form.reason.data or "")

    return act(escalation_id, f"request-{answer}", form,
               accept if answer == "accept" else decline,
               done="The customer's request is answered; your reason is on their timeline.",
               anchor="tier")


@bp.post("/escalations/<int:escalation_id>/severity")
@requires(Capability.WORK_ESCALATIONS)
def change_severity(escalation_id: int):
    form = SeverityForm()
    return act(escalation_id, "severity", form, lambda escalation: ops.change_severity(
        escalation, form.severity.data, actor=actor(), reason=form.reason.data or ""),
        done=lambda: f"Severity is now Sev {form.severity.data}; the SLA targets follow.",
        anchor="details")


@bp.post("/escalations/<int:escalation_id>/status/<target>")
@requires(Capability.WORK_ESCALATIONS)
def change_status(escalation_id: int, target: str):
    try:
        status = Status(target)
    except ValueError:
        abort(404)
    form = StatusForm(status.value)
    return act(escalation_id, f"status-{status.value}", form,
               lambda escalation: ops.change_status(
                   escalation, status, actor=actor(), reason=form.reason.data or "",
                   resolution_summary=form.resolution_summary.data or ""),
               done=f"The escalation is now {status.label.lower()}.", anchor="status")


@bp.post("/escalations/<int:escalation_id>/tier")
@requires(Capability.WORK_ESCALATIONS)
def change_tier(escalation_id: int):
    form = TierForm()
    return act(escalation_id, "tier", form, lambda escalation: ops.change_tier(
        escalation, Tier(form.target.data), actor=actor(), reason=form.reason.data or "",
        trigger=Trigger(form.trigger.data)),
        done=lambda: f"The escalation is now at {form.target.data}; the reason is on the "
                     "timeline.", anchor="tier", illegal_field="target")


@bp.post("/escalations/<int:escalation_id>/communicator")
@requires(Capability.WORK_ESCALATIONS)
def assign_communicator(escalation_id: int):
    form = CommunicatorForm()
    form.communicator.choices = [pick(), *map(staff_choice, active_staff())]

    def assign(escalation):
        ops.assign_communicator(escalation, db.session.get(User, form.communicator.data),
                                actor=actor())

    return act(escalation_id, "communicator", form, assign,
               done="The communicator is assigned.", anchor="people")
