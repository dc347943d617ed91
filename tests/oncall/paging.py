"""Shared helpers for the paging tests: a London team, escalations at chosen instants, sweeps
on the one clock, and the pages as the outbox and the page rows show them."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from portal.clock import ensure_utc, frozen_at
from portal.extensions import db
from portal.notices.models import Notice
from portal.oncall.models import RosterOverride, RotationLength, Team, TeamMember
from portal.oncall.pages import OncallPage
from portal.rules.jobs import evaluate_rules
from tests import factories


def london_team(people, *, starts_on: date, name: str = "Platform", area: str = "") -> Team:
    """A weekly rotation handing over on Mondays at 09:00 London time."""
    team = Team(name=name, product_area=area, timezone="Europe/London",
                rotation_length=RotationLength.WEEKLY, handoff_time=time(9), handoff_weekday=0,
                starts_on=starts_on,
                members=[TeamMember(user_id=p.id, position=n) for n, p in enumerate(people)])
    db.session.add(team)
    db.session.flush()
    return team


def holiday(team: Team, cover, starts_at: datetime, ends_at: datetime, by) -> RosterOverride:
    override = RosterOverride(team_id=team.id, user_id=cover.id, starts_at=starts_at,
                              ends_at=ends_at, reason="Holiday", created_by_id=by.id)
    db.session.add(override)
    db.session.flush()
    return override


def open_sev1(org, owner, at: datetime, **kwargs):
    """A Sev 1 (acknowledge within 15 minutes: at risk after 11¼) opened at `at`."""
    with frozen_at(at):
        return factories.make_escalation(org, actor=owner, owner=owner, severity=1, **kwargs)


def sweep(at: datetime) -> dict[str, int]:
    with frozen_at(at):
        return evaluate_rules(at)


def sweep_every_minute(start: datetime, end: datetime) -> None:
    at = start
    while at <= end:
        sweep(at)
        at += timedelta(minutes=1)


def page_emails(escalation_id: int | None = None) -> list[tuple[datetime, str]]:
    """(queued at, recipient) of every page email, in order."""
    query = (select(Notice.created_at, Notice.recipient)
             .where(Notice.event == "oncall_paged", Notice.channel == "email")
             .order_by(Notice.created_at, Notice.id))
    if escalation_id is not None:
        query = query.where(Notice.escalation_id == escalation_id)
    return [(ensure_utc(at), who) for at, who in db.session.execute(query)]


def pages(escalation_id: int) -> list[OncallPage]:
    return db.session.scalars(select(OncallPage).where(OncallPage.escalation_id == escalation_id)
                              .order_by(OncallPage.paged_at, OncallPage.id)
                              .execution_options(populate_existing=True)).all()
