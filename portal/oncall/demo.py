"""The demo's on-call teams: a weekly rotation in London for every area, a daily one in New
York for the mobile app, and a weekend override with its reason; Rebecca manages both, and
three routing rules send new unowned escalations to them (triage)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from portal.enums import Trigger
from portal.extensions import db
from portal.oncall.models import RosterOverride, RotationLength, Team, TeamMember
from portal.oncall.queries import rotation_of
from portal.oncall.schedule import on_call_at
from portal.oncall.triage_models import RoutingRule

DEMO_TEAMS = {
    # name: (product area, zone, rotation, handoff, weekday, people by demo key)
    "Platform": ("", "Europe/London", RotationLength.WEEKLY, time(9), 0,
                 ("sam", "tomasz", "priya", "kenji")),
    "Mobile": ("Mobile app", "America/New_York", RotationLength.DAILY, time(8), 0,
               ("lucia", "amara")),
}


def seed_demo_oncall(staff: dict, start: datetime) -> None:
    """The demo teams (the caller commits); `staff` maps demo keys to users."""
    teams = {}
    for name, (area, zone, length, handoff, weekday, keys) in DEMO_TEAMS.items():
        team = Team(name=name, product_area=area, timezone=zone, rotation_length=length,
                    handoff_time=handoff, handoff_weekday=weekday,
                    starts_on=(start - timedelta(days=28)).date(),
                    acknowledge_minutes=15, manager_id=staff["rebecca"].id,
                    members=[TeamMember(user_id=staff[key].id, position=n)
                             for n, key in enumerate(keys)])
        db.session.add(team)
        teams[name] = team
    db.session.flush()
    db.session.add_all([  # first match wins
        RoutingRule(position=1, product_area="Mobile app", team_id=teams["Mobile"].id),
        RoutingRule(position=2, trigger=Trigger.MONITORING_SIGNAL, team_id=teams["Platform"].id),
        RoutingRule(position=3, max_severity=2, team_id=teams["Platform"].id),
    ])
    saturday = (start + timedelta(days=(5 - start.weekday()) % 7 or 7)).date()
    begins = datetime.combine(saturday, time(0), tzinfo=UTC)
    platform = teams["Platform"]
    away = on_call_at(rotation_of(platform), [], begins)
    people = {user.id: user for user in staff.values()}
    db.session.add(RosterOverride(
        team_id=platform.id, user_id=staff["amara"].id, starts_at=begins,
        ends_at=begins + timedelta(days=1),
        reason=f"Swap: {people[away.user_id].first_name} at a family wedding",
        created_by_id=staff["rebecca"].id))
