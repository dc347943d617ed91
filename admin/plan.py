"""The Plan tab of the console's escalation page: milestones, remediation steps and exit
criteria, with their audience (customer-visible or internal).

Every form works as a plain POST that redirects back to the tab (303); htmx enhances the
per-item buttons by swapping just the list they changed. Bad input answers 422 with the
message beside its field and nothing written.
"""

from __future__ import annotations

from functools import partial

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from admin import bp, navigation
from admin.plan_forms import CriterionForm, MilestoneForm, StepForm, to_local, to_utc
from portal.accounts.models import User
from portal.administration.people import possible_step_owners
from portal.enums import Party, StepStatus, Visibility
from portal.escalations.models import Escalation, ExitCriterion, Milestone, RemediationStep
from portal.escalations.operations import plan as ops
from portal.escalations.queries import plan_items_for
from portal.extensions import db
from portal.htmx import wants_fragment
from portal.loading import escalation_or_404, row_or_404
from portal.permissions import Capability, can, requires
from portal.submissions import perform, submit

navigation.escalation_tab("Plan", "admin.escalation_plan", order=30)

PAGE = "admin/escalation/plan.html"
EDIT_PAGE = "admin/escalation/plan_edit.html"
KINDS = {"milestones": Milestone, "steps": RemediationStep, "criteria": ExitCriterion}
FRAGMENTS = {kind: f"admin/escalation/_plan_{kind}.html" for kind in KINDS}
NOUNS = {"milestones": "Milestone", "steps": "Step", "criteria": "Exit criterion"}


def plan_context(escalation: Escalation) -> dict:
    """The whole plan, internal items included, in the order customers read it."""
    steps = db.session.scalars(
        plan_items_for(RemediationStep, escalation.id, customer_view=False).options(
            joinedload(RemediationStep.owner), joinedload(RemediationStep.completed_by))
    ).unique().all()
    return {
        "escalation": escalation,
        "milestones": db.session.scalars(
            plan_items_for(Milestone, escalation.id, customer_view=False)).all(),
        "steps": steps,
        "criteria": db.session.scalars(
            plan_items_for(ExitCriterion, escalation.id, customer_view=False)).all(),
        "editable": _may_edit(),
    }


def _may_edit() -> bool:
    return can(current_user, Capability.WORK_ESCALATIONS)


def people_for(escalation: Escalation) -> list[User]:
    """Who may own a step: active staff, and the escalation's organization's active people."""
    return list(db.session.scalars(possible_step_owners(escalation.organization_id)))


def _forms(escalation: Escalation, **bound) -> dict:
    return {
        "milestone_form": bound.get("milestones") or MilestoneForm(formdata=None),
        "step_form": bound.get("steps") or StepForm(formdata=None,
                                                    people=people_for(escalation)),
        "criterion_form": bound.get("criteria") or CriterionForm(formdata=None),
    }


@bp.route("/escalations/<int:escalation_id>/plan")
@requires(Capability.VIEW_CONSOLE)
def escalation_plan(escalation_id: int):
    escalation = escalation_or_404(escalation_id)
    return render_template(PAGE, **plan_context(escalation), **_forms(escalation))


def _kind_or_404(kind: str) -> type:
    if kind not in KINDS:
        abort(404)
    return KINDS[kind]


def _form_for(kind: str, escalation: Escalation, **kwargs):
    if kind == "milestones":
        return MilestoneForm(**kwargs)
    if kind == "steps":
        return StepForm(people=people_for(escalation), **kwargs)
    return CriterionForm(**kwargs)


def _owner(form: StepForm) -> User | None:
    return db.session.get(User, form.owner.data) if form.owner.data else None


def _save(kind: str, escalation: Escalation, form, item=None):
    """Run the add or edit operation for `kind` with the form's data."""
    visibility = Visibility(form.visibility.data)
    actor = current_user._get_current_object()
    if kind == "milestones":
        values = {"title": form.title.data, "due_at": to_utc(form.due_at.data),
                  "visibility": visibility}
        if item is None:
            return ops.add_milestone(escalation, actor=actor, **values)
        return ops.edit_milestone(item, actor=actor, **values)
    if kind == "steps":
        values = {"title": form.title.data, "owner_party": Party(form.owner_party.data),
                  "owner": _owner(form), "due_at": to_utc(form.due_at.data),
                  "status": StepStatus(form.status.data),
                  "validation_test": form.validation_test.data or "",
                  "success_metric": form.success_metric.data or "", "visibility": visibility}
        if item is None:
            return ops.add_remediation_step(escalation, actor=actor, **values)
        return ops.update_step(item, actor=actor, **values)
    if item is None:
        return ops.add_exit_criterion(escalation, actor=actor,
                                      description=form.description.data,
                                      visibility=visibility)
    return ops.edit_exit_criterion(item, actor=actor, description=form.description.data,
                                   visibility=visibility)


@bp.route("/escalations/<int:escalation_id>/plan/<kind>", methods=["POST"])
@requires(Capability.WORK_ESCALATIONS)
def plan_add(escalation_id: int, kind: str):
    _kind_or_404(kind)
    escalation = escalation_or_404(escalation_id)
    form = _form_for(kind, escalation)
    if submit(form, lambda: _save(kind, escalation, form), done=f"{NOUNS[kind]} added.").ok:
        return _back_to_plan(escalation, kind)
    escalation = escalation_or_404(escalation_id)
    return render_template(PAGE, **plan_context(escalation),
                           **_forms(escalation, **{kind: form}), open_form=kind), 422


@bp.route("/escalations/<int:escalation_id>/plan/<kind>/<int:item_id>/edit",
          methods=["GET", "POST"])
@requires(Capability.WORK_ESCALATIONS)
def plan_edit(escalation_id: int, kind: str, item_id: int):
    model = _kind_or_404(kind)
    escalation = escalation_or_404(escalation_id)
    item = row_or_404(model, item_id, escalation_id=escalation.id)
    if request.method == "GET":
        form = _form_for(kind, escalation, formdata=None, obj=item)
        if hasattr(form, "due_at"):
            form.due_at.data = to_local(item.due_at)
        if kind == "steps":
            form.owner.data = item.owner_id
        return render_template(EDIT_PAGE, escalation=escalation, kind=kind, item=item,
                               form=form, noun=NOUNS[kind])
    form = _form_for(kind, escalation)
    if submit(form, lambda: _save(kind, escalation, form, item),
              done=f"{NOUNS[kind]} saved.").ok:
        return _back_to_plan(escalation, kind)
    escalation = escalation_or_404(escalation_id)
    item = row_or_404(model, item_id, escalation_id=escalation.id)
    return render_template(EDIT_PAGE, escalation=escalation, kind=kind, item=item, form=form,
                           noun=NOUNS[kind]), 422


@bp.route("/escalations/<int:escalation_id>/plan/<kind>/<int:item_id>/mark",
          methods=["POST"])
@requires(Capability.WORK_ESCALATIONS)
def plan_mark(escalation_id: int, kind: str, item_id: int):
    """Complete or reopen a milestone, set a step's status, mark a criterion met or not."""
    model = _kind_or_404(kind)
    escalation = escalation_or_404(escalation_id)
    item = row_or_404(model, item_id, escalation_id=escalation.id)
    actor = current_user._get_current_object()
    operation = _marking(kind, request.form.get("to", ""), item, actor)
    if operation is None:
        abort(400)
    perform(operation)  # refused: a double click, the state is already what was asked
    return _back_to_plan(escalation, kind)


def _marking(kind: str, to: str, item, actor):
    """The operation a "mark" button asks for, or None when it asks for nothing we know."""
    if kind == "milestones" and to in ("done", "open"):
        mark = ops.complete_milestone if to == "done" else ops.reopen_milestone
        return partial(mark, item, actor=actor)
    if kind == "criteria" and to in ("met", "unmet"):
        return partial(ops.set_exit_criterion_met, item, actor=actor, met=to == "met")
    if kind == "steps" and to in {s.value for s in StepStatus}:
        return partial(ops.set_step_status, item, actor=actor, status=StepStatus(to))
    return None


@bp.route("/escalations/<int:escalation_id>/plan/<kind>/<int:item_id>/delete",
          methods=["POST"])
@requires(Capability.WORK_ESCALATIONS)
def plan_delete(escalation_id: int, kind: str, item_id: int):
    model = _kind_or_404(kind)
    escalation = escalation_or_404(escalation_id)
    item = row_or_404(model, item_id, escalation_id=escalation.id)
    ops.delete_plan_item(item, actor=current_user._get_current_object())
    db.session.commit()
    flash(f"{NOUNS[kind]} deleted.", "success")
    return _back_to_plan(escalation, kind)


@bp.route("/escalations/<int:escalation_id>/plan/<kind>/<int:item_id>/move",
          methods=["POST"])
@requires(Capability.WORK_ESCALATIONS)
def plan_move(escalation_id: int, kind: str, item_id: int):
    """Move a step or exit criterion one place up or down (`direction`: up or down)."""
    if kind not in ops.ORDERED_KINDS:
        abort(404)
    escalation = escalation_or_404(escalation_id)
    item = row_or_404(KINDS[kind], item_id, escalation_id=escalation.id)
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    ops.move(item, actor=current_user._get_current_object(),
             offset=-1 if direction == "up" else 1)
    db.session.commit()
    return _back_to_plan(escalation, kind)


def _back_to_plan(escalation: Escalation, kind: str):
    """htmx gets the changed list back; a plain POST is redirected to the tab (303)."""
    if wants_fragment():
        return render_template(FRAGMENTS[kind], **plan_context(escalation),
                               moved=request.form.get("direction"))
    return redirect(url_for("admin.escalation_plan", escalation_id=escalation.id,
                            _anchor=f"plan-{kind}"), 303)
