"""Which team answers for an escalation — one answer for paging, triage's view of it and the
escalation page's "On call now":

1. the team on-call triage routed it to (its `oncall_triage` row), so the people paged about
   it are the team that was given it;
2. else the first routing rule it matches now (an escalation opened with an owner was never
   routed, but the rules still say whose it is);
3. else the team covering its product area (the rosters' own rule, before any rule existed).

`Responsibility.load` reads teams, rules and routed rows for a batch of escalations in three
statements; `team_of` then answers from memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from portal.escalations.models import Escalation
from portal.extensions import db
from portal.oncall import queries
from portal.oncall.models import Team
from portal.oncall.routing import Facts, route
from portal.oncall.triage_models import RoutingRule, TriageAssignment


@dataclass(frozen=True)
class Responsibility:
    every_team: list[Team]
    rules: list[RoutingRule]
    routed: dict[int, int]  # escalation id → the team triage gave it to
    by_id: dict[int, Team] = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "by_id", {team.id: team for team in self.every_team})

    @classmethod
    def load(cls, escalation_ids=(), every_team: list[Team] | None = None) -> Responsibility:
        every_team = (db.session.scalars(queries.teams()).all() if every_team is None
                      else every_team)
        if not every_team:
            return cls([], [], {})
        rules = db.session.scalars(select(RoutingRule).order_by(RoutingRule.position,
                                                                RoutingRule.id)).all()
        ids = list(set(escalation_ids))
        routed = dict(db.session.execute(
            select(TriageAssignment.escalation_id, TriageAssignment.team_id)
            .where(TriageAssignment.escalation_id.in_(ids))).all()) if ids else {}
        return cls(every_team, rules, routed)

    def team_of(self, escalation: Escalation) -> Team | None:
        team = self.by_id.get(self.routed.get(escalation.id))
        if team is None:
            rule = route(self.rules, Facts.of(escalation))
            team = self.by_id.get(rule.team_id) if rule else None
        return team or queries.team_for(escalation.product_area, self.every_team)


def on_call_for_escalation(escalation: Escalation, at: datetime) -> queries.OnCall | None:
    """Whoever is on call at `at` for the team answering for `escalation`."""
    team = Responsibility.load([escalation.id]).team_of(escalation)
    return queries.board(at, [team])[0][1] if team else None
