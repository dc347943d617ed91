"""The only writers of rosters. Each checks the actor may manage rosters (PermissionError),
refuses what cannot be scheduled (OperationError, naming the form field), and records an audit
event; the caller commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select

from portal import audit
from portal.accounts.models import User
from portal.enums import STAFF_ROLES
from portal.extensions import db
from portal.oncall.models import RosterOverride, RotationLength, Team, TeamMember
from portal.operations import OperationError
from portal.permissions import Capability, can

MAX_OVERRIDE_DAYS = 90
MAX_ACKNOWLEDGE_MINUTES = 24 * 60


@dataclass(frozen=True)
class TeamSettings:
    """What a team's form sets: its name and area, and its rotation."""

    name: str
    product_area: str
    timezone: str
    rotation_length: RotationLength
    handoff_time: time
    handoff_weekday: int
    starts_on: date
    member_ids: Sequence[int | None]  # in rotation order (None: an empty slot of the form)
    acknowledge_minutes: int = 15  # triage: before the next person is asked
    manager_id: int | None = None  # triage: the last step of the ladder


def _may_manage(actor: User) -> None:
    if not can(actor, Capability.MANAGE_ROSTERS):
        raise PermissionError("only escalation managers and administrators manage rosters")


def _checked(settings: TeamSettings, team: Team | None) -> TeamSettings:
    name = settings.name.strip()
    area = settings.product_area.strip()
    others = select(Team).where(Team.id != (team.id if team else None))
    if db.session.scalar(others.where(func.lower(Team.name) == name.lower())):
        raise OperationError("Another team has this name.", field="name")
    if db.session.scalar(others.where(func.lower(Team.product_area) == area.lower())):
        raise OperationError("Another team covers this product area already."
                             if area else "Another team covers every other area already.",
                             field="product_area")
    try:
        ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise OperationError("Use an IANA time zone name such as Europe/Berlin.",
                             field="timezone") from None
    if not 0 <= settings.handoff_weekday <= 6:
        raise OperationError("Choose a weekday.", field="handoff_weekday")
    slots = list(settings.member_ids)  # the form's slots, None where left empty
    staff = set(db.session.scalars(select(User.id).where(
        User.id.in_([i for i in slots if i]), User.active.is_(True),
        User.role.in_(STAFF_ROLES))))
    seen: set[int] = set()
    for slot, user_id in enumerate(slots):
        if user_id is None:
            continue
        if user_id in seen:
            raise OperationError("This person is in the rotation already.",
                                 field=f"members-{slot}")
        if user_id not in staff:
            raise OperationError("Only active staff can be on call.", field=f"members-{slot}")
        seen.add(user_id)
    if not 1 <= settings.acknowledge_minutes <= MAX_ACKNOWLEDGE_MINUTES:
        raise OperationError(f"Between 1 and {MAX_ACKNOWLEDGE_MINUTES} minutes.",
                             field="acknowledge_minutes")
    if settings.manager_id is not None and not db.session.scalar(select(User.id).where(
            User.id == settings.manager_id, User.active.is_(True),
            User.role.in_(STAFF_ROLES))):
        raise OperationError("The manager must be an active member of staff.",
                             field="manager_id")
    return TeamSettings(name, area, settings.timezone, settings.rotation_length,
                        settings.handoff_time, settings.handoff_weekday, settings.starts_on,
                        [i for i in slots if i], settings.acknowledge_minutes,
                        settings.manager_id)


def _apply(team: Team, settings: TeamSettings) -> None:
    team.name, team.product_area, team.timezone = (settings.name, settings.product_area,
                                                   settings.timezone)
    team.rotation_length, team.handoff_time = settings.rotation_length, settings.handoff_time
    team.handoff_weekday, team.starts_on = settings.handoff_weekday, settings.starts_on
    team.acknowledge_minutes, team.manager_id = (settings.acknowledge_minutes,
                                                 settings.manager_id)
    team.members.clear()
    db.session.flush()  # the old order's rows go before the new ones take their places
    team.members.extend(TeamMember(user_id=user_id, position=position)
                        for position, user_id in enumerate(settings.member_ids))


def _summary(team: Team) -> dict:
    return {"name": team.name, "product_area": team.product_area, "timezone": team.timezone,
            "rotation": team.rotation_length.value, "handoff": team.handoff_time.isoformat(),
            "weekday": team.handoff_weekday, "starts_on": team.starts_on.isoformat(),
            "members": [m.user_id for m in team.members],
            "acknowledge_minutes": team.acknowledge_minutes, "manager_id": team.manager_id}


def create_team(settings: TeamSettings, *, actor: User) -> Team:
    """A new on-call team. Raises PermissionError, OperationError."""
    _may_manage(actor)
    settings = _checked(settings, None)
    team = Team()
    db.session.add(team)
    _apply(team, settings)
    audit.record("oncall.team_created", actor=actor, obj=team, **_summary(team))
    return team


def edit_team(team: Team, settings: TeamSettings, *, actor: User) -> Team:
    """Change a team's name, area or rotation. Raises PermissionError, OperationError."""
    _may_manage(actor)
    settings = _checked(settings, team)
    before = _summary(team)
    _apply(team, settings)
    audit.record("oncall.team_edited", actor=actor, obj=team, before=before,
                 after=_summary(team))
    return team


def add_override(team: Team, *, user_id: int, starts_at: datetime, ends_at: datetime,
                 reason: str, actor: User) -> RosterOverride:
    """`user_id` covers the team from `starts_at` to `ends_at` (a holiday, a swap).
    Raises PermissionError, OperationError."""
    _may_manage(actor)
    reason = reason.strip()
    if not reason:
        raise OperationError("Say why (a holiday, a swap): the calendar shows it.",
                             field="reason")
    if ends_at <= starts_at:
        raise OperationError("The end must be after the start.", field="ends_at")
    if (ends_at - starts_at).days > MAX_OVERRIDE_DAYS:
        raise OperationError(f"An override covers at most {MAX_OVERRIDE_DAYS} days; change "
                             "the rotation for longer.", field="ends_at")
    person = db.session.get(User, user_id)
    if person is None or not person.is_active or not person.is_staff:
        raise OperationError("Only active staff can be on call.", field="user_id")
    override = RosterOverride(team_id=team.id, user_id=user_id, starts_at=starts_at,
                              ends_at=ends_at, reason=reason, created_by_id=actor.id)
    db.session.add(override)
    audit.record("oncall.override_added", actor=actor, obj=override, team=team.name,
                 user_id=user_id, starts_at=starts_at.isoformat(),
                 ends_at=ends_at.isoformat(), reason=reason)
    return override


def remove_override(override: RosterOverride, *, actor: User) -> None:
    """Take an override off the calendar. Raises PermissionError."""
    _may_manage(actor)
    audit.record("oncall.override_removed", actor=actor, obj=override,
                 user_id=override.user_id, starts_at=override.starts_at.isoformat(),
                 ends_at=override.ends_at.isoformat(), reason=override.reason)
    db.session.delete(override)
