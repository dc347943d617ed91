"""On-call triage: the job (listed in `portal.scheduler`) that routes new escalations nobody
owns to a team and its person on call, and walks the acknowledgement ladder when they do not
acknowledge in time (`portal.oncall.ladder`).

Every assignment is `transfer_ownership` with no actor — the console's own operation, so the
receiver gets the pending handoff to acknowledge in "My handoffs", the customer the ownership
entry, and the audit log an event acted by "Triage" — plus an email to the person asked,
through the outbox, keyed by the triage row and step.

Safe to run twice at once: on PostgreSQL one run holds an advisory lock and a second skips;
on either database a step is claimed by a conditional UPDATE of the triage row (the step it
read, still unacknowledged), a routing by the unique triage row per escalation, and an
assignment only takes an escalation whose owner is still empty — one given an owner by hand
in the meantime is left alone. The reads are set-based: the statements the job runs without
work to do do not depend on the number of escalations.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import exists, select, text, update
from sqlalchemy.orm import selectinload

from portal import audit
from portal.accounts.models import User
from portal.clock import now
from portal.enums import OPEN_STATUSES, STAFF_ROLES, Status
from portal.escalations.models import Escalation, Handoff
from portal.escalations.operations.common import HandoffTemplate
from portal.escalations.operations.lifecycle import transfer_ownership
from portal.extensions import db
from portal.notices.operations import enqueue_email
from portal.oncall.ladder import Rung, first_rung, next_rung
from portal.oncall.models import Team
from portal.oncall.queries import board, rotation_of
from portal.oncall.routing import Facts, route
from portal.oncall.schedule import rotation_shift_at
from portal.oncall.triage_models import EndedBecause, RoutingRule, TriageAssignment
from portal.upsert import dialect_insert

SYSTEM_NAME = "Triage"
EMAIL_TEMPLATE = "oncall_triage"

_TRY_LOCK = text(
    "SELECT pg_try_advisory_xact_lock(hashtextextended("
    "'clearpath-triage:' || current_database() || '.' || current_schema(), 0))")

_T = TriageAssignment.__table__
_H = Handoff.__table__
_E = Escalation.__table__


def triage_escalations(at: datetime | None = None) -> dict[str, int]:
    """Route new unowned escalations and move lapsed ones up their ladder, at `at` (default:
    now). Runs unscoped (a job); the caller commits. Returns counts per kind of step, or
    `{"skipped": 1}` when another run holds the lock."""
    at = at or now()
    if db.session.get_bind().dialect.name == "postgresql" and not db.session.scalar(_TRY_LOCK):
        return {"skipped": 1}
    counts = {"acknowledged": _follow_acknowledgements(), "overtaken": _end_overtaken(at),
              "routed": 0, "unmatched": 0, "passed_on": 0, "ended": 0}
    rules = db.session.scalars(
        select(RoutingRule).options(selectinload(RoutingRule.team).selectinload(Team.members))
        .order_by(RoutingRule.position, RoutingRule.id)).all()
    fresh = db.session.scalars(
        select(Escalation).where(
            Escalation.status == Status.NEW, Escalation.owner_id.is_(None),
            Escalation.is_drill.is_(False),  # a drill's people are its participants, not rota
            ~exists().where(TriageAssignment.escalation_id == Escalation.id))
        .order_by(Escalation.opened_at, Escalation.id)).all()
    lapsed = db.session.scalars(
        select(TriageAssignment)
        .options(selectinload(TriageAssignment.team).selectinload(Team.members))
        .where(TriageAssignment.acknowledged_at.is_(None), TriageAssignment.ended_at.is_(None),
               TriageAssignment.due_at <= at)
        .order_by(TriageAssignment.due_at, TriageAssignment.id)).all()
    if not fresh and not lapsed:
        return counts
    routed = [(escalation, route(rules, Facts.of(escalation))) for escalation in fresh]
    counts["unmatched"] = sum(1 for _, rule in routed if rule is None)
    routed = [(escalation, rule) for escalation, rule in routed if rule is not None]
    routing_teams = {rule.team.id: rule.team for _, rule in routed}
    on_call = _on_call_ids(at, list(routing_teams.values()))
    active = _active_staff([*routing_teams.values(), *(row.team for row in lapsed)],
                           also=on_call.values())
    numbers = {rule.id: number for number, rule in enumerate(rules, start=1)}
    for escalation, rule in routed:
        with _as_triage(rule.team_id):
            counts["routed"] += _route(escalation, rule, numbers[rule.id],
                                       on_call.get(rule.team_id), active, at)
    for row in lapsed:
        with _as_triage(row.team_id):
            counts["passed_on" if _climb(row, active, at) else "ended"] += 1
    return counts


def _as_triage(team_id: int):
    """Every event the job records (its own, and those of the operations it calls) names
    "Triage" as who acted."""
    return audit.acting_as("triage", team_id, SYSTEM_NAME)


def _on_call_ids(at: datetime, teams: list[Team]) -> dict[int, int | None]:
    """Team id → the id of whoever is on call at `at` (None: nobody); the board's reads."""
    if not teams:
        return {}
    return {team.id: entry.shift.user_id if entry else None for team, entry in board(at, teams)}


def _active_staff(teams: Iterable[Team], also: Iterable[int | None] = ()) -> set[int]:
    """Which of the teams' people and managers (and `also`: people on call by an override,
    who need not be in the rotation) are active staff (one statement)."""
    teams = list(teams)
    ids = {m.user_id for team in teams for m in team.members} | {
        team.manager_id for team in teams if team.manager_id} | {i for i in also if i}
    if not ids:
        return set()
    return set(db.session.scalars(select(User.id).where(
        User.id.in_(ids), User.active.is_(True), User.role.in_(STAFF_ROLES))))


def _follow_acknowledgements() -> int:
    """The rows whose current handoff was acknowledged take its time (one UPDATE)."""
    acknowledged = (select(_H.c.acknowledged_at).where(_H.c.id == _T.c.handoff_id)
                    .scalar_subquery())
    return db.session.execute(
        update(_T).where(_T.c.acknowledged_at.is_(None), _T.c.handoff_id.is_not(None),
                         exists().where(_H.c.id == _T.c.handoff_id,
                                        _H.c.acknowledged_at.is_not(None)))
        .values(acknowledged_at=acknowledged, due_at=None)
        .execution_options(synchronize_session=False)).rowcount


def _end_overtaken(at: datetime) -> int:
    """Rows whose escalation someone else took by hand, or that closed, stop climbing."""
    still_theirs = exists().where(_E.c.id == _T.c.escalation_id,
                                  _E.c.owner_id == _T.c.assignee_id,
                                  _E.c.status.in_(list(OPEN_STATUSES)))
    return db.session.execute(
        update(_T).where(_T.c.acknowledged_at.is_(None), _T.c.ended_at.is_(None),
                         _T.c.assignee_id.is_not(None), ~still_theirs)
        .values(ended_at=at, ended_because=EndedBecause.OVERTAKEN, due_at=None)
        .execution_options(synchronize_session=False)).rowcount


def _still_unowned(escalation: Escalation) -> bool:
    """Take the escalation's row if nobody owns it yet (a conditional UPDATE: an owner set
    by hand since the job read it wins, and a concurrent hand transfer waits for us)."""
    return db.session.execute(
        update(_E).where(_E.c.id == escalation.id, _E.c.owner_id.is_(None))
        .values(owner_id=None).execution_options(synchronize_session=False)).rowcount == 1


def _route(escalation: Escalation, rule: RoutingRule, number: int, on_call: int | None,
           active: set[int], at: datetime) -> int:
    """Route one escalation: its triage row (unique per escalation), then step 0."""
    if not _still_unowned(escalation):
        return 0
    team = rule.team
    rung = first_rung(on_call, team.manager_id, active)
    claimed = db.session.execute(
        dialect_insert(_T).values(
            organization_id=escalation.organization_id, escalation_id=escalation.id,
            team_id=team.id, rule_id=rule.id, rule_number=number, step=0,
            to_manager=False, routed_at=at, ended_at=None if rung else at,
            ended_because="" if rung else EndedBecause.NOBODY)
        .on_conflict_do_nothing(index_elements=["escalation_id"])
        .returning(_T.c.id)).scalar()
    if claimed is None:
        return 0  # another run routed it
    row = db.session.get(TriageAssignment, claimed)
    audit.record("oncall.triage_routed", obj=row, escalation_id=escalation.id,
                 team=team.name, rule=number, assignee_id=rung.user_id if rung else None)
    if rung is not None:
        _assign(row, escalation, team, rung, step=0, at=at)
    return 1


def _climb(row: TriageAssignment, active: set[int], at: datetime) -> bool:
    """The current step lapsed: ask the next rung, or end the ladder. False when it ended
    (or another run took the step)."""
    team = row.team
    rung = next_rung(step=row.step, current=row.assignee_id, to_manager=row.to_manager,
                     members=_rotation_order(team, row.assignee_id, at),
                     manager_id=team.manager_id, active=active)
    unacknowledged = ~exists().where(_H.c.id == _T.c.handoff_id,
                                     _H.c.acknowledged_at.is_not(None))
    claim = (update(_T).where(_T.c.id == row.id, _T.c.step == row.step,
                              _T.c.acknowledged_at.is_(None), _T.c.ended_at.is_(None),
                              unacknowledged)
             .execution_options(synchronize_session=False))
    if rung is None:
        if db.session.execute(claim.values(ended_at=at, ended_because=EndedBecause.LADDER_DONE,
                                           due_at=None)).rowcount != 1:
            return False
        audit.record("oncall.triage_ended", obj=row, escalation_id=row.escalation_id,
                     team=team.name, step=row.step, assignee_id=row.assignee_id)
        db.session.refresh(row)
        return False
    if db.session.execute(claim.values(step=row.step + 1)).rowcount != 1:
        return False
    db.session.refresh(row)
    _assign(row, row.escalation, team, rung, step=row.step, at=at)
    return True


def _rotation_order(team: Team, current: int | None, at: datetime) -> list[int]:
    """The rotation's people in order; when `current` covered by an override from outside
    it, starting from the person the rotation itself has on call at `at` (whom they
    replaced), so they are asked next."""
    members = [m.user_id for m in team.members]
    if current in members or not members:
        return members
    shift = rotation_shift_at(rotation_of(team), at)
    start = members.index(shift.user_id) if shift else 0
    return members[start:] + members[:start]


def _template(escalation: Escalation, team: Team, step: int) -> HandoffTemplate:
    why = ("routed by on-call triage" if step == 0 else
           "passed on by on-call triage: the previous person did not acknowledge in "
           f"{team.acknowledge_minutes} min")
    return HandoffTemplate(
        summary=escalation.summary or escalation.title,
        customer_impact=escalation.customer_impact or "Not described yet.",
        steps_taken=f"None yet: {why} ({team.name}).",
        environment=escalation.product_area or "Not recorded yet.",
        reason=escalation.trigger, reason_detail=why)


def _assign(row: TriageAssignment, escalation: Escalation, team: Team, rung: Rung, *,
            step: int, at: datetime) -> None:
    person = db.session.get(User, rung.user_id)
    handoff = transfer_ownership(escalation, person, actor=None,
                                 template=_template(escalation, team, step))
    row.assignee_id, row.handoff_id, row.to_manager = person.id, handoff.id, rung.to_manager
    row.assigned_at, row.due_at = at, at + timedelta(minutes=team.acknowledge_minutes)
    enqueue_email(f"{EMAIL_TEMPLATE}:{row.id}.{step}", person, template=EMAIL_TEMPLATE,
                  escalation_id=escalation.id,
                  context={"escalation_id": escalation.id, "team": team.name, "step": step,
                           "to_manager": rung.to_manager,
                           "minutes": team.acknowledge_minutes})
