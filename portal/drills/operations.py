"""The only place drills change: scenarios are written, drills start, scripted events are
injected, drills end and are scored. Each operation audits; callers commit once.

A drill runs on a real escalation (`is_drill`), opened and worked through the escalation
operations like any other; what keeps it away from customers is central (`portal.isolation`,
`portal.notices.operations`), not here.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from portal import audit
from portal.accounts.models import Organization, User
from portal.clock import now
from portal.drills import scorecard
from portal.drills.audience import OPENING
from portal.drills.models import (
    Drill,
    DrillInjection,
    DrillParticipant,
    DrillScenario,
    InjectionKind,
)
from portal.drills.script import validate_rows
from portal.enums import Status, Trigger, UpdateKind, Visibility
from portal.escalations import workflow
from portal.escalations.models import Escalation
from portal.escalations.operations import (
    HandoffTemplate,
    change_severity,
    change_status,
    open_escalation,
)
from portal.escalations.operations.common import add_timeline_entry
from portal.extensions import db
from portal.notices.operations import enqueue_emails
from portal.operations import OperationError
from portal.permissions import Capability, can

NAME_MAX, TITLE_MAX, AREA_MAX = 120, 200, 80


def _require(actor) -> None:
    if not can(actor, Capability.RUN_DRILLS):
        raise PermissionError("only escalation managers and administrators run drills")


@dataclass(frozen=True)
class ScenarioSettings:
    name: str
    organization_id: int | None
    title: str
    severity: int | None
    product_area: str
    summary: str
    customer_impact: str
    script: list  # rows (`portal.drills.script`)


def _check(settings: ScenarioSettings, scenario: DrillScenario | None) -> list[dict]:
    name = settings.name.strip()
    if not name:
        raise OperationError("Give the scenario a name.", "name")
    if len(name) > NAME_MAX:
        raise OperationError(f"Keep the name under {NAME_MAX} characters.", "name")
    clash = db.session.scalar(select(DrillScenario.id).where(DrillScenario.name == name))
    if clash is not None and (scenario is None or clash != scenario.id):
        raise OperationError("Another scenario has this name.", "name")
    if settings.organization_id is None or db.session.get(
            Organization, settings.organization_id) is None:
        raise OperationError("Choose the organization the drill plays out for.",
                             "organization_id")
    if not settings.title.strip():
        raise OperationError("Give the drill escalation a title.", "title")
    if len(settings.title.strip()) > TITLE_MAX:
        raise OperationError(f"Keep the title under {TITLE_MAX} characters.", "title")
    if settings.severity not in (1, 2, 3, 4):
        raise OperationError("Severity must be between 1 and 4.", "severity")
    if len(settings.product_area.strip()) > AREA_MAX:
        raise OperationError(f"Keep this under {AREA_MAX} characters.", "product_area")
    if not settings.summary.strip():
        raise OperationError("Describe the problem the drill starts from.", "summary")
    rows = validate_rows(settings.script)
    if not rows:
        raise OperationError("Script at least one event.", "script")
    return rows


def _apply(scenario: DrillScenario, settings: ScenarioSettings, rows: list[dict]) -> None:
    scenario.name = settings.name.strip()
    scenario.organization_id = settings.organization_id
    scenario.title = settings.title.strip()
    scenario.severity = settings.severity
    scenario.product_area = settings.product_area.strip()
    scenario.summary = settings.summary.strip()
    scenario.customer_impact = settings.customer_impact.strip()
    scenario.script = rows
    scenario.updated_at = now()


def create_scenario(settings: ScenarioSettings, *, actor: User) -> DrillScenario:
    """A new scenario. Raises OperationError by the field (a bad script line by its number),
    PermissionError for anyone who may not run drills."""
    _require(actor)
    rows = _check(settings, None)
    scenario = DrillScenario()
    _apply(scenario, settings, rows)
    db.session.add(scenario)
    audit.record("drill.scenario_created", actor=actor, obj=scenario, name=scenario.name,
                 events=len(rows))
    return scenario


def edit_scenario(scenario: DrillScenario, settings: ScenarioSettings, *,
                  actor: User) -> DrillScenario:
    """Change a scenario (drills already run keep what they ran). Raises as create_scenario."""
    _require(actor)
    rows = _check(settings, scenario)
    before = {"name": scenario.name, "title": scenario.title, "severity": scenario.severity,
              "events": len(scenario.script or [])}
    _apply(scenario, settings, rows)
    audit.record_change("drill.scenario_edited", actor=actor, obj=scenario, before=before,
                        after={"name": scenario.name, "title": scenario.title,
                               "severity": scenario.severity, "events": len(rows)})
    return scenario


def archive_scenario(scenario: DrillScenario, *, actor: User) -> DrillScenario:
    """Put a scenario away: it leaves the list to start from; its past drills and their
    scorecards stay. A running drill goes on. Raises PermissionError as create_scenario."""
    _require(actor)
    if scenario.archived_at is None:
        scenario.archived_at = now()
        audit.record("drill.scenario_archived", actor=actor, obj=scenario, name=scenario.name)
    return scenario


def restore_scenario(scenario: DrillScenario, *, actor: User) -> DrillScenario:
    """Bring an archived scenario back to the list to start from."""
    _require(actor)
    if scenario.archived_at is not None:
        scenario.archived_at = None
        audit.record("drill.scenario_restored", actor=actor, obj=scenario, name=scenario.name)
    return scenario


def _open(scenario: DrillScenario, *, owner: User, actor: User) -> Escalation:
    """The scenario's escalation, opened by the real operation and flagged as a drill."""
    return open_escalation(
        scenario.organization, actor=actor, title=scenario.title, severity=scenario.severity,
        trigger=Trigger.CUSTOMER_REQUEST, owner=owner, product_area=scenario.product_area,
        is_drill=True,
        handoff=HandoffTemplate(
            summary=scenario.summary, customer_impact=scenario.customer_impact or "—",
            steps_taken=f"Drill started from the scenario “{scenario.name}”.",
            environment="Drill (no customer is involved).", reason=Trigger.CUSTOMER_REQUEST))


def start_drill(scenario: DrillScenario, *, participants: list[User], owner: User,
                actor: User) -> Drill:
    """Open the scenario's escalation as a drill, owned by `owner` through a handoff they
    acknowledge like any other, and schedule its scripted events from now.

    The participants (staff; the starter and the owner always among them) are the only
    people told anything about it. Raises OperationError for a missing or non-staff owner
    or non-staff participants, PermissionError for anyone who may not run drills.
    """
    _require(actor)
    if scenario.archived_at is not None:
        raise OperationError("This scenario is archived: restore it to start a drill from it.")
    people = {person.id: person for person in participants if person is not None}
    if any(not person.is_staff or not person.active for person in people.values()):
        raise OperationError("Only active staff take part in a drill.", "participants")
    if owner is None or not owner.is_staff or not owner.active:
        raise OperationError("Choose an active member of staff to own the escalation.",
                             "owner_id")
    people.setdefault(owner.id, owner)
    people.setdefault(actor.id, actor)
    db.session.info[OPENING] = frozenset(people)
    try:
        escalation = _open(scenario, owner=owner, actor=actor)
    finally:
        db.session.info.pop(OPENING, None)
    started = escalation.opened_at
    drill = Drill(scenario_id=scenario.id, scenario_name=scenario.name, escalation=escalation,
                  started_by_id=actor.id, started_at=started)
    drill.participants = [DrillParticipant(user_id=uid) for uid in sorted(people)]
    drill.injections = [
        DrillInjection(position=position, minute=row["minute"], kind=InjectionKind(row["kind"]),
                       text=row["text"], due_at=started + timedelta(minutes=row["minute"]))
        for position, row in enumerate(scenario.script or [], start=1)]
    db.session.add(drill)
    db.session.flush()
    audit.record("drill.started", actor=actor, obj=drill, escalation_id=escalation.id,
                 scenario=scenario.name, participants=sorted(people))
    enqueue_emails(f"drill_started:{drill.id}", [people[uid] for uid in sorted(people)],
                   template="drill_started", escalation_id=escalation.id,
                   context={"escalation_id": escalation.id, "reference": escalation.reference,
                            "title": escalation.title, "scenario": scenario.name,
                            "owner": owner.name})
    return drill


# ------------------------------------------------------------------------------ injections
def due_injections(at: datetime):
    """Ids of the scripted events due by `at` and not yet injected, of running drills, in
    the order they fell due (a `select()`)."""
    return (select(DrillInjection.id).join(Drill, Drill.id == DrillInjection.drill_id)
            .where(DrillInjection.injected_at.is_(None), DrillInjection.due_at <= at,
                   Drill.ended_at.is_(None))
            .order_by(DrillInjection.due_at, DrillInjection.drill_id, DrillInjection.position))


def inject(injection_id: int, *, at: datetime | None = None) -> bool:
    """Inject one scripted event, exactly once: the row is claimed with a conditional UPDATE
    (on PostgreSQL a second scheduler waits on the row lock and then finds it taken; SQLite
    writes one at a time). Returns False when someone else had it already."""
    at = at or now()
    claimed = db.session.execute(
        update(DrillInjection).where(DrillInjection.id == injection_id,
                                     DrillInjection.injected_at.is_(None))
        .values(injected_at=at).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        return False
    injection = db.session.get(DrillInjection, injection_id)
    db.session.refresh(injection)
    escalation = injection.drill.escalation
    entry = None
    if injection.kind == InjectionKind.CUSTOMER_COMMENT:
        entry = add_timeline_entry(escalation, author=None, kind=UpdateKind.CUSTOMER_COMMENT,
                                   visibility=Visibility.CUSTOMER, body=injection.text, at=at)
    elif injection.kind == InjectionKind.SEVERITY_RAISED and escalation.severity > 1:
        change_severity(escalation, escalation.severity - 1, actor=None,
                        reason=f"Raised by the customer: {injection.text}")
    else:
        label = {InjectionKind.MONITORING_ALERT: "Monitoring alert",
                 InjectionKind.SEVERITY_RAISED: "The customer insists on the highest severity",
                 }.get(injection.kind, "Note")
        entry = add_timeline_entry(escalation, author=None, kind=UpdateKind.NOTE,
                                   visibility=Visibility.INTERNAL,
                                   body=f"**{label}** — {injection.text}", at=at)
    if entry is not None:
        db.session.flush()
        injection.update_id = entry.id
    audit.record("drill.injected", actor=None, obj=injection.drill,
                 escalation_id=escalation.id, position=injection.position,
                 kind=injection.kind.value, minute=injection.minute)
    return True


# ------------------------------------------------------------------------------ the end
def _path_to_closed(current: Status) -> list[Status]:
    """The shortest run of legal moves from `current` to closed (the workflow's own)."""
    seen, queue = {current: []}, deque([current])
    while queue:
        status = queue.popleft()
        if status == Status.CLOSED:
            return seen[status]
        for target in workflow.STATUS_TRANSITIONS[status]:
            if target not in seen:
                seen[target] = [*seen[status], target]
                queue.append(target)
    return []


def end_drill(drill: Drill, *, actor: User | None, reason: str = "ended") -> Drill:
    """Score the drill as it stood, then close its escalation through the workflow (internal
    entries only). `actor` None: the scheduler ends a drill whose escalation was resolved.
    Raises OperationError for a drill already ended, PermissionError for anyone else."""
    if actor is not None:
        _require(actor)
    if drill.ended_at is not None:
        raise OperationError("This drill has ended already.")
    at = now()
    card = scorecard.scorecard_for(drill, at)
    scorecard.store(drill, card)
    drill.ended_at, drill.ended_by_id, drill.end_reason = at, getattr(actor, "id", None), reason
    escalation = drill.escalation
    for target in _path_to_closed(escalation.status):
        change_status(escalation, target, actor=actor, reason="Drill ended.",
                      visibility=Visibility.INTERNAL,
                      resolution_summary="Drill ended." if target == Status.RESOLVED else "")
    audit.record("drill.ended", actor=actor, obj=drill, escalation_id=escalation.id,
                 reason=reason, injections_handled=card.injections_handled,
                 injections_total=card.injections_total)
    return drill


def running_drills_resolved():
    """Running drills whose escalation someone resolved or closed (a `select()`)."""
    return (select(Drill).join(Escalation, Escalation.id == Drill.escalation_id)
            .where(Drill.ended_at.is_(None),
                   Escalation.status.in_((Status.RESOLVED, Status.CLOSED))))
