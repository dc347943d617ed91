"""The rule sweeps. Each is ONE statement, `INSERT INTO notices … SELECT … ON CONFLICT (key)
DO NOTHING`, selecting on stored due instants, so it costs the same number of statements for
three open escalations or a hundred thousand.

Keys follow `portal.notices.operations.notice_key` (`<event>:email:<recipient>`) and carry the
instant that fired (whole seconds since 1970), so a clock re-armed after a pause, or a milestone
moved to a new date, alerts again, while the same instant never alerts twice, however many
sweeps run, concurrently or not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy import and_, literal, or_, select

from portal.accounts.models import User
from portal.clock import now
from portal.enums import CUSTOMER_ROLES, OPEN_STATUSES, Role, Status, Visibility
from portal.escalations.models import Escalation, Handoff, Milestone, Subscription, SurveyResponse
from portal.extensions import db
from portal.notices.models import Notice
from portal.rules.settings import Rules, load_rules
from portal.rules.sql import epoch, json_of, key_of
from portal.sqltypes import UTCDateTime
from portal.upsert import dialect_insert

# How long after resolution the survey may still go out (a first deployment does not survey
# every escalation ever resolved).
SURVEY_WINDOW = timedelta(days=14)

NOTICE_COLUMNS = ("key", "event", "channel", "recipient", "recipient_user_id", "organization_id",
                  "escalation_id", "template", "context", "digest", "status", "attempts",
                  "next_attempt_at", "last_error", "claimed_by", "created_at")


@dataclass(frozen=True)
class Sweep:
    name: str
    statement: sa.Insert


def _instant(name: str):
    """An instant bound at execution (see `sweep_params`), so built statements are reused."""
    return sa.bindparam(name, type_=UTCDateTime)


AT = "at"
SINCE = "since"
# The window overlaps the previous sweep by this much: a change committed a little after a sweep
# began, stamped a little before it, is still seen (the outbox keys absorb the overlap).
OVERLAP = timedelta(minutes=5)
EVERYTHING = datetime(1970, 1, 1, tzinfo=UTC)


def _changed(instant, since_param: str, upper, model=Escalation):
    """The instant passed inside this sweep's window, or the escalation changed since the last
    sweep (a severity change can move a due instant into the past at once). Without it a sweep
    would re-read every past instant each minute; with it the steady state reads only news.

    Written as `id IN (recent UNION changed)` so each half uses its own index.
    """
    recent = select(model.id).where(instant > _instant(since_param), instant <= upper)
    changed = select(model.id).where(Escalation.updated_at > _instant(SINCE))
    if model is not Escalation:
        changed = changed.join(Escalation, Escalation.id == model.escalation_id)
    return model.id.in_(sa.union(recent, changed))


def _outbox_insert(*, event: str, key_parts: tuple, user, escalation_id,
                   context, from_select: sa.Select) -> sa.Insert:
    """INSERT INTO notices SELECT <one row per (event, recipient)> ON CONFLICT DO NOTHING.

    `from_select` supplies FROM/JOIN/WHERE; the columns are added here.
    """
    key = key_of(f"{event}:", *key_parts, ":email:", sa.func.lower(user.email))
    rows = from_select.with_only_columns(
        key, literal(event, sa.String), literal("email", sa.String), user.email, user.id,
        user.organization_id, escalation_id, literal(event, sa.String), context,
        sa.false(), literal("pending", sa.String), literal(0, sa.Integer), _instant(AT),
        literal("", sa.String), literal("", sa.String), _instant(AT),
        maintain_column_froms=True,
    ).where(user.active.is_(True))
    return (dialect_insert(Notice.__table__).from_select(NOTICE_COLUMNS, rows)
            .on_conflict_do_nothing(index_elements=["key"]))


def _owner_or_managers(user, escalation=Escalation):
    """The owner; the escalation managers while nobody owns it (someone must hear)."""
    return or_(user.id == escalation.owner_id,
               and_(escalation.owner_id.is_(None), user.role == Role.ESCALATION_MANAGER))


def sla_sweeps() -> list[Sweep]:
    """At risk (from 75 % of the target) and breached, per clock, to the owner."""
    sweeps = []
    for clock, prefix in (("acknowledge", "ack"), ("resolve", "resolve")):
        due = getattr(Escalation, f"{prefix}_due_at")
        at_risk = getattr(Escalation, f"{prefix}_at_risk_at")
        user = User
        # The at-risk instant moves while already at risk (it is the refresh instant), the due
        # instant does not: the key carries the due instant.
        base = select(Escalation).join(user, _owner_or_managers(user))
        sweeps.append(Sweep(f"sla_at_risk:{clock}", _outbox_insert(
            event="sla_at_risk", key_parts=(f"{clock}:", Escalation.id, ":", epoch(due)),
            user=user, escalation_id=Escalation.id,
            context=json_of(escalation_id=Escalation.id, clock=clock, due=epoch(due)),
            from_select=base.where(at_risk <= _instant(AT), due > _instant(AT),
                                   _changed(at_risk, SINCE, _instant(AT))))))
        sweeps.append(Sweep(f"sla_breached:{clock}", _outbox_insert(
            event="sla_breached", key_parts=(f"{clock}:", Escalation.id, ":", epoch(due)),
            user=user, escalation_id=Escalation.id,
            context=json_of(escalation_id=Escalation.id, clock=clock, due=epoch(due)),
            from_select=base.where(due <= _instant(AT), _changed(due, SINCE, _instant(AT))))))
    return sweeps


def commitment_sweeps(rules: Rules) -> list[Sweep]:
    """A missed next-update commitment: owner and communicator at once; the escalation managers
    (and, if enabled, the customer's subscribers) after the grace period."""
    due = Escalation.next_update_due_at
    missed_by = _instant("missed_by")
    context = json_of(escalation_id=Escalation.id, due=epoch(due),
                      grace_minutes=rules.next_update_grace_minutes)
    contacts = managers = customers = User  # one users join per statement
    sweeps = [
        Sweep("next_update_missed", _outbox_insert(
            event="next_update_missed", key_parts=(Escalation.id, ":", epoch(due)),
            user=contacts, escalation_id=Escalation.id, context=context,
            from_select=select(Escalation).join(contacts, or_(
                contacts.id.in_([Escalation.owner_id, Escalation.communicator_id]),
                and_(Escalation.owner_id.is_(None), Escalation.communicator_id.is_(None),
                     contacts.role == Role.ESCALATION_MANAGER),
            )).where(due <= _instant(AT), _changed(due, SINCE, _instant(AT))))),
        Sweep("next_update_overdue", _outbox_insert(
            event="next_update_overdue", key_parts=(Escalation.id, ":", epoch(due)),
            user=managers, escalation_id=Escalation.id, context=context,
            from_select=select(Escalation).join(
                managers, managers.role == Role.ESCALATION_MANAGER).where(
                due <= missed_by, _changed(due, "missed_since", missed_by)))),
    ]
    if rules.holding_message_enabled:
        unsubscribed = select(Subscription.user_id).where(
            Subscription.escalation_id == Escalation.id, Subscription.subscribed.is_(False))
        sweeps.append(Sweep("holding_message", _outbox_insert(
            event="holding_message", key_parts=(Escalation.id, ":", epoch(due)),
            user=customers, escalation_id=Escalation.id,
            context=json_of(escalation_id=Escalation.id, due=epoch(due),
                            text=rules.holding_message_text),
            from_select=select(Escalation).join(customers, and_(
                customers.organization_id == Escalation.organization_id,
                customers.role.in_(CUSTOMER_ROLES),
                customers.id.not_in(unsubscribed),
            )).where(due <= missed_by, _changed(due, "missed_since", missed_by)))))
    return sweeps


def milestone_sweeps() -> list[Sweep]:
    """Milestones due soon (owner) and late (owner; the communicator too when customers can
    see the milestone), on open escalations, until completed."""
    user = User
    base = (select(Milestone)
            .join(Escalation, Escalation.id == Milestone.escalation_id)
            .where(Milestone.completed_at.is_(None), Escalation.status.in_(OPEN_STATUSES)))
    context = json_of(escalation_id=Escalation.id, milestone_id=Milestone.id,
                      title=Milestone.title, due=epoch(Milestone.due_at))
    soon_until = _instant("soon_until")
    return [
        Sweep("milestone_due_soon", _outbox_insert(
            event="milestone_due_soon",
            key_parts=(Milestone.id, ":", epoch(Milestone.due_at)),
            user=user, escalation_id=Escalation.id, context=context,
            from_select=base.join(user, _owner_or_managers(user)).where(
                Milestone.due_at > _instant(AT), Milestone.due_at <= soon_until,
                _changed(Milestone.due_at, "soon_since", soon_until, Milestone)))),
        Sweep("milestone_late", _outbox_insert(
            event="milestone_late", key_parts=(Milestone.id, ":", epoch(Milestone.due_at)),
            user=user, escalation_id=Escalation.id, context=context,
            from_select=base.join(user, or_(
                _owner_or_managers(user),
                and_(Milestone.visibility == Visibility.CUSTOMER,
                     user.id == Escalation.communicator_id),
            )).where(Milestone.due_at <= _instant(AT),
                     _changed(Milestone.due_at, SINCE, _instant(AT), Milestone)))),
    ]


def handoff_sweep(rules: Rules) -> Sweep:
    """A handoff still unacknowledged after the setting: the receiver and escalation managers.
    Only the current owner's handoff counts (an older one was overtaken by a newer handoff)."""
    user = User
    late = _instant("handoff_late")
    return Sweep("handoff_unacknowledged", _outbox_insert(
        event="handoff_unacknowledged", key_parts=(Handoff.id,),
        user=user, escalation_id=Escalation.id,
        context=json_of(escalation_id=Escalation.id, handoff_id=Handoff.id,
                        created=epoch(Handoff.created_at),
                        minutes=rules.handoff_acknowledge_minutes),
        from_select=(
            select(Handoff)
            .join(Escalation, and_(Escalation.id == Handoff.escalation_id,
                                   Escalation.owner_id == Handoff.to_user_id))
            .join(user, or_(user.id == Handoff.to_user_id,
                            user.role == Role.ESCALATION_MANAGER))
            .where(Handoff.acknowledged_at.is_(None), Handoff.created_at <= late,
                   _changed(Handoff.created_at, "handoff_since", late, Handoff),
                   Escalation.status.in_(OPEN_STATUSES))
        )))


def survey_sweep() -> Sweep:
    """On resolution, the one-question survey to the organization's subscribers of that
    escalation who have not answered it: once per person and escalation."""
    user = User
    unsubscribed = select(Subscription.user_id).where(
        Subscription.escalation_id == Escalation.id, Subscription.subscribed.is_(False))
    answered = select(SurveyResponse.user_id).where(SurveyResponse.escalation_id == Escalation.id)
    return Sweep("csat_survey", _outbox_insert(
        event="csat_survey", key_parts=(Escalation.id,),
        user=user, escalation_id=Escalation.id,
        context=json_of(escalation_id=Escalation.id),
        from_select=(
            select(Escalation)
            .join(user, and_(user.organization_id == Escalation.organization_id,
                             user.role.in_(CUSTOMER_ROLES),
                             user.id.not_in(unsubscribed), user.id.not_in(answered)))
            .where(Escalation.status.in_([Status.RESOLVED, Status.CLOSED]),
                   Escalation.resolved_at.is_not(None),
                   Escalation.resolved_at <= _instant(AT),
                   Escalation.resolved_at > _instant("survey_since"),
                   _changed(Escalation.resolved_at, SINCE, _instant(AT)))
        )))


def all_sweeps(rules: Rules) -> list[Sweep]:
    """Every sweep for these rules (built once per rules and database, then reused)."""
    return _built(db.session.get_bind().dialect.name, rules.next_update_grace_minutes,
                  rules.holding_message_enabled, rules.holding_message_text,
                  rules.handoff_acknowledge_minutes)


@lru_cache(maxsize=8)
def _built(dialect: str, grace: int, holding: bool, holding_text: str,
           handoff_minutes: int) -> list[Sweep]:
    rules = Rules(next_update_grace_minutes=grace, holding_message_enabled=holding,
                  holding_message_text=holding_text, milestone_due_soon_minutes=0,
                  handoff_acknowledge_minutes=handoff_minutes)
    return [*sla_sweeps(), *commitment_sweeps(rules), *milestone_sweeps(),
            handoff_sweep(rules), survey_sweep()]


def sweep_params(at: datetime, rules: Rules,
                 since: datetime | None = None) -> dict[str, datetime]:
    """The instants the sweeps compare with, for an evaluation at `at` of what happened after
    `since` (the previous sweep; None: everything, as on a first run)."""
    lower = EVERYTHING if since is None else min(since, at) - OVERLAP
    return {
        AT: at,
        SINCE: lower,
        "missed_since": lower - timedelta(minutes=rules.next_update_grace_minutes),
        "soon_since": lower + timedelta(minutes=rules.milestone_due_soon_minutes),
        "handoff_since": lower - timedelta(minutes=rules.handoff_acknowledge_minutes),
        "missed_by": at - timedelta(minutes=rules.next_update_grace_minutes),
        "soon_until": at + timedelta(minutes=rules.milestone_due_soon_minutes),
        "handoff_late": at - timedelta(minutes=rules.handoff_acknowledge_minutes),
        "survey_since": at - SURVEY_WINDOW,
    }


def run_sweeps(at: datetime | None = None, rules: Rules | None = None,
               since: datetime | None = None) -> dict[str, int]:
    """Run every notice sweep once; how many outbox rows each one queued. The caller commits."""
    at = at or now()
    rules = rules or load_rules()
    params = sweep_params(at, rules, since)
    return {sweep.name: db.session.execute(
                sweep.statement.execution_options(preserve_rowcount=True), params).rowcount
            for sweep in all_sweeps(rules)}
