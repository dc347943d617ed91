"""Reading rosters: teams, and who is on call for a team, an escalation or every team at once.

Every answer comes from `portal.oncall.schedule` over the team's rotation and the overrides
that touch the window asked about. The board (every team, now) is four statements whatever
the number of teams or overrides; one escalation's person on call, the same four.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.extensions import db
from portal.oncall.models import RosterOverride, Team
from portal.oncall.schedule import Cover, Rotation, Shift, on_call_at, shifts_between


@dataclass(frozen=True)
class OnCall:
    """A stretch of the schedule with its person: `user` from `shift.starts_at` to
    `shift.ends_at` (`shift.reason` when an override put them there)."""

    team: Team
    shift: Shift
    user: User


def teams() -> Select:
    """Every team by name, its rotation's members loaded (ids and order, not the people)."""
    return select(Team).options(selectinload(Team.members)).order_by(Team.name)


def overrides_of(team: Team, *, ending_after: datetime) -> Select:
    """The team's overrides still running or to come after `ending_after`, soonest first."""
    return (select(RosterOverride).options(selectinload(RosterOverride.user))
            .where(RosterOverride.team_id == team.id, RosterOverride.ends_at > ending_after)
            .order_by(RosterOverride.starts_at, RosterOverride.id))


def rotation_of(team: Team) -> Rotation:
    return Rotation(zone=team.zone, days=team.rotation_length.days, handoff=team.handoff_time,
                    weekday=team.handoff_weekday, starts_on=team.starts_on,
                    members=tuple(member.user_id for member in team.members))


def _covers(overrides) -> list[Cover]:
    return [Cover(o.user_id, o.starts_at, o.ends_at, o.reason, order=o.id) for o in overrides]


def _overlapping(team_ids, start: datetime, end: datetime) -> Select:
    return select(RosterOverride).where(RosterOverride.team_id.in_(team_ids),
                                        RosterOverride.starts_at < end,
                                        RosterOverride.ends_at > start)


def _people(user_ids) -> dict[int, User]:
    ids = set(user_ids)
    if not ids:
        return {}
    return {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(ids)))}


def board(at: datetime, some: list[Team] | None = None) -> list[tuple[Team, OnCall | None]]:
    """Every team (or `some` of them) with whoever is on call at `at` (None: nobody, the
    rotation is empty and no override covers it)."""
    every_team = db.session.scalars(teams()).all() if some is None else some
    if not every_team:
        return []
    overrides = db.session.scalars(_overlapping([t.id for t in every_team], at,
                                                at + timedelta(microseconds=1))).all()
    shifts = {team.id: on_call_at(rotation_of(team),
                                  _covers(o for o in overrides if o.team_id == team.id), at)
              for team in every_team}
    people = _people(s.user_id for s in shifts.values() if s)
    return [(team, OnCall(team, shifts[team.id], people[shifts[team.id].user_id])
             if shifts[team.id] else None) for team in every_team]


def team_for(product_area: str, every_team: list[Team]) -> Team | None:
    """The team an escalation of `product_area` goes to: the one naming the area, else the
    team for every other area (product area left blank)."""
    named = {team.product_area.casefold(): team for team in every_team}
    return named.get((product_area or "").casefold()) or named.get("")


def on_call_for(product_area: str, at: datetime) -> OnCall | None:
    """Whoever is on call at `at` for an escalation of `product_area`, if a team covers it."""
    area = (product_area or "").casefold()
    candidates = db.session.scalars(teams().where(
        func.lower(Team.product_area).in_({area, ""}))).all()
    team = team_for(product_area, candidates)
    return board(at, [team])[0][1] if team else None


def schedule(team: Team, start: datetime, end: datetime) -> list[OnCall]:
    """The team's schedule overlapping [start, end), for the calendar and shift feeds."""
    overrides = db.session.scalars(_overlapping([team.id], start - timedelta(days=7),
                                                end + timedelta(days=7))).all()
    shifts = shifts_between(rotation_of(team), _covers(overrides), start, end)
    people = _people(s.user_id for s in shifts)
    return [OnCall(team, shift, people[shift.user_id]) for shift in shifts]
