"""SLA policies (support plans): creating and editing their targets and calendar.

A policy is saved whole or not at all: every value is validated before anything changes, so a
policy with one bad target saves nothing. Saving moves the SLA due instants of every open
escalation of the organizations on the policy; they are recomputed in the same transaction.
Refused input raises `OperationError(message, field)` with the form field's name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from portal import audit
from portal.accounts.models import Organization, SlaPolicy, SlaTarget, User
from portal.administration.organizations import refresh_open_escalations
from portal.enums import Severity
from portal.escalations import sla
from portal.extensions import db
from portal.operations import OperationError

MAX_TARGET_MINUTES = 366 * 24 * 60  # a year: anything longer is a typo
TARGET_KINDS = ("acknowledge", "update", "resolve")
# What a new policy's form starts from: (acknowledge, update, resolve) minutes per severity.
SUGGESTED_TARGETS = {1: (30, 60, 480), 2: (120, 240, 1440), 3: (480, 1440, 4320),
                     4: (1440, 2880, 14400)}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class TargetInput:
    acknowledge_minutes: int
    update_minutes: int
    resolve_minutes: int


@dataclass(frozen=True)
class PolicyInput:
    name: str
    description: str
    # None = 24×7; else {weekday (0 = Monday): [("09:00", "18:00"), …]} for open days only
    business_hours: dict[int, list[tuple[str, str]]] | None
    holidays: list[date] = field(default_factory=list)
    targets: dict[int, TargetInput] = field(default_factory=dict)


def policies():
    """Every policy by name (a `select()`)."""
    return select(SlaPolicy).order_by(func.lower(SlaPolicy.name), SlaPolicy.id)


def organizations_on(policy_id: int):
    """The organizations on a policy, by name (a `select()`)."""
    return (select(Organization).where(Organization.sla_policy_id == policy_id)
            .order_by(func.lower(Organization.name)))


def _state(policy: SlaPolicy) -> dict:
    """What the audit log keeps of a policy: every field, targets flattened per severity."""
    state = {"name": policy.name, "description": policy.description,
             "business_hours": policy.business_hours, "holidays": list(policy.holidays or [])}
    for target in policy.targets:
        for kind in TARGET_KINDS:
            state[f"sev{target.severity}_{kind}_minutes"] = getattr(target, f"{kind}_minutes")
    return state


def _validated(data: PolicyInput, *, current: SlaPolicy | None):
    name = (data.name or "").strip()
    if not name:
        raise OperationError("Give the policy a name.", "name")
    if len(name) > 120:
        raise OperationError("Use at most 120 characters.", "name")
    others = select(SlaPolicy.id).where(func.lower(SlaPolicy.name) == name.lower())
    if current is not None:
        others = others.where(SlaPolicy.id != current.id)
    if db.session.scalar(others):
        raise OperationError("Another policy already has this name.", "name")
    description = (data.description or "").strip()
    if len(description) > 2000:
        raise OperationError("Use at most 2,000 characters.", "description")
    for severity in Severity:
        target = data.targets.get(severity.value)
        prefix = f"sev{severity.value}"
        if target is None:
            raise OperationError(f"Give every target for Sev {severity.value}.",
                               f"{prefix}-acknowledge")
        for kind in TARGET_KINDS:
            minutes = getattr(target, f"{kind}_minutes")
            if not isinstance(minutes, int) or not 0 < minutes <= MAX_TARGET_MINUTES:
                raise OperationError(
                    f"Give a whole number of minutes from 1 to {MAX_TARGET_MINUTES:,}.",
                    f"{prefix}-{kind}")
        if target.acknowledge_minutes > target.resolve_minutes:
            raise OperationError("Acknowledging cannot take longer than resolving.",
                               f"{prefix}-acknowledge")
    hours = None
    if data.business_hours is not None:
        hours = {str(day): [[start, end] for start, end in intervals]
                 for day, intervals in sorted(data.business_hours.items()) if intervals}
        if not hours:
            raise OperationError("Open at least one day, or choose 24×7.", "calendar")
    holidays = sorted({day.isoformat() for day in data.holidays})
    try:
        sla.Calendar.from_policy("UTC", hours, holidays)
    except ValueError as exc:
        raise OperationError(f"These business hours do not work: {exc}.", "calendar") from exc
    return name, description, hours, holidays


def _apply(policy: SlaPolicy, data: PolicyInput, name, description, hours, holidays) -> None:
    policy.name, policy.description = name, description
    policy.business_hours, policy.holidays = hours, holidays
    existing = {target.severity: target for target in policy.targets}
    for severity in Severity:
        values = data.targets[severity.value]
        target = existing.get(severity.value)
        if target is None:
            target = SlaTarget(severity=severity.value)
            policy.targets.append(target)
        target.acknowledge_minutes = values.acknowledge_minutes
        target.update_minutes = values.update_minutes
        target.resolve_minutes = values.resolve_minutes


def create_policy(data: PolicyInput, *, actor: User) -> SlaPolicy:
    """A new policy with its four severity targets. Raises OperationError for any bad value."""
    values = _validated(data, current=None)
    policy = SlaPolicy(targets=[])
    _apply(policy, data, *values)
    db.session.add(policy)
    db.session.flush()
    audit.record("sla_policy.created", actor=actor, obj=policy, after=_state(policy))
    return policy


def update_policy(policy: SlaPolicy, data: PolicyInput, *, actor: User) -> int:
    """Save a policy's new values and refresh the due instants of every open escalation of
    the organizations on it. Answers how many escalations were refreshed.

    Raises OperationError (with its field) for any bad value; nothing is changed then.
    """
    values = _validated(data, current=policy)
    before = _state(policy)
    _apply(policy, data, *values)
    db.session.flush()
    changed = audit.record_change("sla_policy.updated", actor=actor, obj=policy,
                                  before=before, after=_state(policy))
    if changed is None:
        return 0
    organization_ids = db.session.scalars(
        select(Organization.id).where(Organization.sla_policy_id == policy.id)).all()
    return refresh_open_escalations(organization_ids, calendar=True, priority=False)


def organizations_per_policy() -> dict[int, int]:
    """How many organizations each SLA policy serves, by policy id (one query)."""
    return dict(db.session.execute(
        select(Organization.sla_policy_id, func.count()).group_by(Organization.sla_policy_id)
    ).all())
