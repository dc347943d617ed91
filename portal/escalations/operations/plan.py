"""Milestones, remediation steps and exit criteria: the plan back to normal."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from portal import audit
from portal.accounts.models import User
from portal.clock import now
from portal.enums import Party, StepStatus, UpdateKind, Visibility
from portal.escalations.models import Escalation, ExitCriterion, Milestone, RemediationStep
from portal.escalations.operations.common import (
    add_timeline_entry,
    customer_saw_change,
    require_staff,
)
from portal.extensions import db
from portal.operations import OperationError


def add_milestone(escalation: Escalation, *, actor: User | None, title: str, due_at: datetime,
                  visibility: Visibility = Visibility.CUSTOMER) -> Milestone:
    """Promise a dated milestone. Raises OperationError without a title."""
    require_staff(actor)
    if not title.strip():
        raise OperationError("Name the milestone.", "title")
    milestone = Milestone(organization_id=escalation.organization_id,
                          escalation_id=escalation.id, title=title.strip(), due_at=due_at,
                          visibility=visibility)
    db.session.add(milestone)
    db.session.flush()
    if visibility == Visibility.CUSTOMER:
        customer_saw_change(escalation)
    audit.record("milestone.added", actor=actor, obj=milestone, escalation_id=escalation.id)
    return milestone


def complete_milestone(milestone: Milestone, *, actor: User | None) -> None:
    """Mark a milestone done. Raises OperationError when it already is."""
    require_staff(actor)
    if milestone.completed_at is not None:
        raise OperationError("This milestone is already done.")
    milestone.completed_at = now()
    if milestone.visibility == Visibility.CUSTOMER:
        # On the timeline (which stamps the customers' change and tells subscribers).
        escalation = db.session.get(Escalation, milestone.escalation_id)
        # An automatic entry, not a written update: it keeps the next-update time customers
        # were promised instead of restarting the cadence (DESIGN.md "SLA clocks, exactly").
        promised = escalation.next_update_due_at
        add_timeline_entry(escalation, author=actor, kind=UpdateKind.MILESTONE,
                           visibility=Visibility.CUSTOMER, at=milestone.completed_at,
                           body=f"Milestone reached: {milestone.title}",
                           next_update_by=promised if promised and promised > now() else None)
    audit.record("milestone.completed", actor=actor, obj=milestone,
                 escalation_id=milestone.escalation_id)


def add_remediation_step(escalation: Escalation, *, actor: User | None, title: str,
                         owner_party: Party = Party.VENDOR, owner: User | None = None,
                         due_at: datetime | None = None, validation_test: str = "",
                         success_metric: str = "",
                         status: StepStatus = StepStatus.PLANNED,
                         visibility: Visibility = Visibility.CUSTOMER) -> RemediationStep:
    """Append a step to the remediation plan. Raises OperationError without a title or with
    an owner from the wrong side (staff for the customer's steps, or the reverse)."""
    require_staff(actor)
    if not title.strip():
        raise OperationError("Describe the step.", "title")
    _check_owner(escalation, owner_party, owner)
    position = db.session.query(RemediationStep).filter_by(escalation_id=escalation.id).count()
    step = RemediationStep(organization_id=escalation.organization_id,
                           escalation_id=escalation.id, position=position, title=title.strip(),
                           owner_party=owner_party, owner=owner, due_at=due_at,
                           validation_test=validation_test, success_metric=success_metric,
                           status=status, visibility=visibility,
                           completed_at=now() if status == StepStatus.DONE else None)
    db.session.add(step)
    db.session.flush()
    if visibility == Visibility.CUSTOMER:
        customer_saw_change(escalation)
    audit.record("remediation_step.added", actor=actor, obj=step, escalation_id=escalation.id)
    return step


def add_exit_criterion(escalation: Escalation, *, actor: User | None, description: str,
                       visibility: Visibility = Visibility.CUSTOMER) -> ExitCriterion:
    """Add one condition of "back to normal". Raises OperationError when empty."""
    require_staff(actor)
    if not description.strip():
        raise OperationError("Describe the exit criterion.", "description")
    position = db.session.query(ExitCriterion).filter_by(escalation_id=escalation.id).count()
    criterion = ExitCriterion(organization_id=escalation.organization_id,
                              escalation_id=escalation.id, position=position,
                              description=description.strip(), visibility=visibility)
    db.session.add(criterion)
    db.session.flush()
    if visibility == Visibility.CUSTOMER:
        customer_saw_change(escalation)
    audit.record("exit_criterion.added", actor=actor, obj=criterion,
                 escalation_id=escalation.id)
    return criterion


# ---------------------------------------------------------------- editing the plan (console)

TITLE_MAX = 200
TEXT_MAX = 2000
MILESTONE_FIELDS = ("title", "due_at", "visibility", "completed_at")
STEP_FIELDS = ("title", "owner_party", "owner_id", "due_at", "status", "validation_test",
               "success_metric", "visibility", "completed_at", "completion_note")
CRITERION_FIELDS = ("description", "visibility", "met_at")
PlanItem = Milestone | RemediationStep | ExitCriterion
# Milestones are dated promises and always read by due date (here and in the portal); steps
# and exit criteria are ordered lists that staff arrange by hand.
ORDERED_KINDS: dict[str, type] = {"steps": RemediationStep, "criteria": ExitCriterion}


def _title(value: str | None, *, field: str, required: str, limit: int = TITLE_MAX) -> str:
    text = (value or "").strip()
    if not text:
        raise OperationError(required, field)
    if len(text) > limit:
        raise OperationError(f"Keep it under {limit:,} characters.", field)
    return text


def _optional_text(value: str | None, *, field: str) -> str:
    text = (value or "").strip()
    if len(text) > TEXT_MAX:
        raise OperationError(f"Keep it under {TEXT_MAX:,} characters.", field)
    return text


def _touched_customers(item: PlanItem, before_visibility: Visibility) -> None:
    """Customers' dashboards and ETags move when an item they could see, or now see, changes."""
    if Visibility.CUSTOMER in (before_visibility, item.visibility):
        customer_saw_change(db.session.get(Escalation, item.escalation_id))


def _check_owner(escalation: Escalation, owner_party: Party, owner: User | None) -> None:
    if owner is None:
        return
    if owner_party == Party.VENDOR and not (owner.is_staff and owner.active):
        raise OperationError("A step our side owns needs an active staff member as owner.",
                             "owner")
    if owner_party == Party.CUSTOMER and (
            owner.is_staff or owner.organization_id != escalation.organization_id
            or not owner.active):
        raise OperationError("A step the customer owns needs one of their active people "
                             "(or nobody in particular).", "owner")


def edit_milestone(milestone: Milestone, *, actor: User | None, title: str, due_at: datetime,
                   visibility: Visibility) -> Milestone:
    """Change a milestone's title, due date or audience. Raises OperationError without a
    title or date."""
    require_staff(actor)
    title = _title(title, field="title", required="Name the milestone.")
    if due_at is None:
        raise OperationError("Give the milestone a due date.", "due_at")
    before = audit.snapshot(milestone, MILESTONE_FIELDS)
    milestone.title, milestone.due_at, milestone.visibility = title, due_at, visibility
    after = audit.snapshot(milestone, MILESTONE_FIELDS)
    if before != after:
        _touched_customers(milestone, Visibility(before["visibility"]))
    audit.record_change("milestone.edited", actor=actor, obj=milestone, before=before,
                        after=after, escalation_id=milestone.escalation_id)
    return milestone


def reopen_milestone(milestone: Milestone, *, actor: User | None) -> None:
    """Take a milestone back to not done. Raises OperationError when it is not done."""
    require_staff(actor)
    if milestone.completed_at is None:
        raise OperationError("This milestone is not done.")
    milestone.completed_at = None
    _touched_customers(milestone, milestone.visibility)
    audit.record("milestone.reopened", actor=actor, obj=milestone,
                 escalation_id=milestone.escalation_id)


def update_step(step: RemediationStep, *, actor: User | None, title: str, owner_party: Party,
                owner: User | None, due_at: datetime | None, status: StepStatus,
                validation_test: str, success_metric: str,
                visibility: Visibility) -> RemediationStep:
    """Edit every field of a remediation step. A step going to done is stamped with who and
    when; one leaving done loses the stamp. Raises OperationError for a missing title, an
    owner on the wrong side, or overlong text."""
    require_staff(actor)
    escalation = db.session.get(Escalation, step.escalation_id)
    title = _title(title, field="title", required="Describe the step.")
    validation_test = _optional_text(validation_test, field="validation_test")
    success_metric = _optional_text(success_metric, field="success_metric")
    _check_owner(escalation, owner_party, owner)
    before = audit.snapshot(step, STEP_FIELDS)
    step.title, step.owner_party, step.owner = title, owner_party, owner
    step.owner_id = owner.id if owner is not None else None
    step.due_at, step.validation_test, step.success_metric = due_at, validation_test, \
        success_metric
    step.visibility = visibility
    _apply_step_status(step, status, actor)
    after = audit.snapshot(step, STEP_FIELDS)
    if before != after:
        _touched_customers(step, Visibility(before["visibility"]))
    audit.record_change("remediation_step.edited", actor=actor, obj=step, before=before,
                        after=after, escalation_id=step.escalation_id)
    return step


def set_step_status(step: RemediationStep, *, actor: User | None,
                    status: StepStatus) -> RemediationStep:
    """Move a step to planned, in progress, done or blocked (the console's quick buttons)."""
    require_staff(actor)
    fields = ("status", "completed_at", "completion_note")  # a reopen keeps the note in the log
    before = audit.snapshot(step, fields)
    _apply_step_status(step, status, actor)
    after = audit.snapshot(step, fields)
    if before != after:
        _touched_customers(step, step.visibility)
    audit.record_change("remediation_step.status_changed", actor=actor, obj=step,
                        before=before, after=after, escalation_id=step.escalation_id)
    return step


def _apply_step_status(step: RemediationStep, status: StepStatus, actor: User | None) -> None:
    if status == step.status:
        return
    step.status = status
    if status == StepStatus.DONE:
        step.completed_at = now()
        step.completed_by_id = actor.id if actor is not None else None
    else:
        step.completed_at = None
        step.completed_by_id = None
        step.completion_note = ""


def edit_exit_criterion(criterion: ExitCriterion, *, actor: User | None, description: str,
                        visibility: Visibility) -> ExitCriterion:
    """Reword an exit criterion or change its audience. Raises OperationError when empty."""
    require_staff(actor)
    description = _title(description, field="description", limit=TEXT_MAX,
                         required="Describe the exit criterion.")
    before = audit.snapshot(criterion, CRITERION_FIELDS)
    criterion.description, criterion.visibility = description, visibility
    after = audit.snapshot(criterion, CRITERION_FIELDS)
    if before != after:
        _touched_customers(criterion, Visibility(before["visibility"]))
    audit.record_change("exit_criterion.edited", actor=actor, obj=criterion, before=before,
                        after=after, escalation_id=criterion.escalation_id)
    return criterion


def set_exit_criterion_met(criterion: ExitCriterion, *, actor: User | None,
                           met: bool) -> ExitCriterion:
    """Mark an exit criterion met (now) or not met. Raises OperationError when it already is."""
    require_staff(actor)
    if met == (criterion.met_at is not None):
        raise OperationError("This criterion is already met." if met
                             else "This criterion is not met yet.")
    criterion.met_at = now() if met else None
    _touched_customers(criterion, criterion.visibility)
    audit.record("exit_criterion.met" if met else "exit_criterion.unmet", actor=actor,
                 obj=criterion, escalation_id=criterion.escalation_id)
    return criterion


def delete_plan_item(item: PlanItem, *, actor: User | None) -> None:
    """Remove a milestone, step or exit criterion added by mistake. The audit event keeps what
    it said; the remaining items of its list are renumbered."""
    require_staff(actor)
    fields = {Milestone: MILESTONE_FIELDS, RemediationStep: STEP_FIELDS,
              ExitCriterion: CRITERION_FIELDS}[type(item)]
    kind = {Milestone: "milestone", RemediationStep: "remediation_step",
            ExitCriterion: "exit_criterion"}[type(item)]
    audit.record(f"{kind}.deleted", actor=actor, obj=item, escalation_id=item.escalation_id,
                 before=audit.snapshot(item, fields))
    _touched_customers(item, item.visibility)
    db.session.delete(item)
    db.session.flush()
    if type(item) in ORDERED_KINDS.values():
        _renumber(db.session.scalars(
            select(type(item)).where(type(item).escalation_id == item.escalation_id)
            .order_by(type(item).position, type(item).id)).all())


def reorder(kind: str, escalation: Escalation, ids: list[int], *,
            actor: User | None) -> None:
    """Put the escalation's steps or exit criteria (`kind`: "steps" or "criteria") in the
    order of `ids`, renumbering every position in one go. Raises OperationError unless `ids`
    names each item of that list exactly once."""
    require_staff(actor)
    model = ORDERED_KINDS.get(kind)
    if model is None:
        raise OperationError("Only remediation steps and exit criteria are ordered by hand.")
    items = db.session.scalars(
        select(model).where(model.escalation_id == escalation.id)
        .order_by(model.position, model.id)).all()
    by_id = {item.id: item for item in items}
    if sorted(ids) != sorted(by_id) or len(set(ids)) != len(ids):
        raise OperationError("The list changed meanwhile; reload the page and try again.")
    before = [item.id for item in items]
    if before == list(ids):
        return
    _renumber([by_id[item_id] for item_id in ids])
    if any(by_id[item_id].visibility == Visibility.CUSTOMER for item_id in ids):
        customer_saw_change(escalation)
    audit.record(f"{'remediation_steps' if kind == 'steps' else 'exit_criteria'}.reordered",
                 actor=actor, obj=escalation, before=before, after=list(ids))


def move(item: RemediationStep | ExitCriterion, *, actor: User | None, offset: int) -> None:
    """Move a step or criterion up (-1) or down (+1) its list; at either end nothing moves."""
    model = type(item)
    kind = next(k for k, m in ORDERED_KINDS.items() if m is model)
    ids = list(db.session.scalars(
        select(model.id).where(model.escalation_id == item.escalation_id)
        .order_by(model.position, model.id)))
    index = ids.index(item.id)
    target = index + offset
    if not 0 <= target < len(ids):
        return
    ids[index], ids[target] = ids[target], ids[index]
    reorder(kind, db.session.get(Escalation, item.escalation_id), ids, actor=actor)


def _renumber(items) -> None:
    for position, item in enumerate(items):
        if item.position != position:
            item.position = position
