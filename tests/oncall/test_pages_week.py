"""A simulated week in London across the change to summer time (Sunday 29 March 2026): a
weekly rotation handing over on Mondays at 09:00 local time, a holiday override, and Sev 1
escalations breaching at chosen instants. Sweeping every minute with the real rules job, the
person on call at each instant is paged, the page repeats every ten minutes until someone
acknowledges it, and a shift change hands the page to the next person."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from portal.clock import frozen_at
from portal.enums import Role, Status
from portal.escalations import operations as ops
from portal.oncall.page_operations import acknowledge_page
from portal.oncall.pages import PageEnd
from tests import factories
from tests.oncall.paging import (
    holiday,
    london_team,
    open_sev1,
    page_emails,
    pages,
    sweep,
    sweep_every_minute,
)


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def m(start: datetime, minutes: float) -> datetime:
    return start + timedelta(minutes=minutes)


@pytest.fixture
def week(staff_session):
    """Ann, Ben and Cat rotate weekly from Monday 23 March; Cat covers Ann's holiday from
    Friday 18:00 to Saturday 18:00 UTC."""
    manager = factories.make_staff(Role.ESCALATION_MANAGER)
    ann, ben, cat = (factories.make_staff(name=n) for n in ("Ann", "Ben", "Cat"))
    owner = factories.make_staff(name="Owner")
    team = london_team([ann, ben, cat], starts_on=date(2026, 3, 23))
    holiday(team, cat, utc(27, 18), utc(28, 18), manager)
    org = factories.make_organization()
    return dict(team=team, ann=ann, ben=ben, cat=cat, owner=owner, manager=manager, org=org)


def test_a_weekday_breach_pages_the_rotation_and_repeats_until_acknowledged(week):
    """Tuesday: Ann is on call. At risk at +12 min, breached at +15: Ann is paged each time;
    the breach page repeats every ten minutes until she acknowledges, then never again."""
    ann = week["ann"]
    opened = utc(24, 10)
    escalation = open_sev1(week["org"], week["owner"], opened)
    sweep_every_minute(opened, m(opened, 44))
    assert page_emails(escalation.id) == [
        (m(opened, 12), ann.email),  # at risk
        (m(opened, 15), ann.email),  # breached
        (m(opened, 25), ann.email), (m(opened, 35), ann.email)]  # the breach, repeated
    at_risk, breach = pages(escalation.id)
    assert (at_risk.reason, at_risk.ended_reason) == ("at_risk", PageEnd.BREACHED.value)
    assert (breach.reason, breach.repeats, breach.night, breach.weekend) == ("breach", 2,
                                                                            False, False)
    with frozen_at(m(opened, 44)):
        acknowledge_page(breach, actor=ann)
    sweep_every_minute(m(opened, 45), m(opened, 120))
    assert len(page_emails(escalation.id)) == 4
    assert pages(escalation.id)[1].acknowledged_by_id == ann.id


def test_the_holiday_override_is_paged_and_hands_over_when_it_ends(week):
    """Saturday 17:30 UTC, Cat covering Ann's holiday: Cat is paged (a weekend page); at the
    first repeat after 18:00 the holiday is over, so Ann is paged and Cat's page stops."""
    ann, cat = week["ann"], week["cat"]
    opened = utc(28, 17, 30)
    escalation = open_sev1(week["org"], week["owner"], opened)
    sweep_every_minute(opened, m(opened, 40))
    assert page_emails(escalation.id) == [
        (m(opened, 12), cat.email), (m(opened, 15), cat.email),
        (m(opened, 25), cat.email),  # 17:55, still Cat
        (m(opened, 35), ann.email)]  # 18:05: the holiday ended at 18:00
    rows = {(p.reason, p.user_id): p for p in pages(escalation.id)}
    assert rows[("breach", cat.id)].ended_reason == PageEnd.HANDED_OVER.value
    assert rows[("breach", cat.id)].weekend and not rows[("breach", cat.id)].night
    assert rows[("breach", ann.id)].is_open
    with frozen_at(m(opened, 40)):
        acknowledge_page(rows[("breach", cat.id)], actor=cat)  # Cat answers after all
    sweep_every_minute(m(opened, 41), m(opened, 90))
    assert len(page_emails(escalation.id)) == 4  # acknowledging stops Ann's repeats too
    assert all(p.acknowledged_at or p.ended_at for p in pages(escalation.id))


def test_a_breach_in_the_night_clocks_go_forward_is_a_night_weekend_page(week):
    """Sunday 29 March 00:50 UTC: breached at 01:05 UTC, which is 02:05 BST — a night and a
    weekend page, for Ann (the holiday is over)."""
    ann = week["ann"]
    opened = utc(29, 0, 50)
    escalation = open_sev1(week["org"], week["owner"], opened)
    sweep_every_minute(opened, m(opened, 16))
    breach = [p for p in pages(escalation.id) if p.reason == "breach"][0]
    assert breach.user_id == ann.id and breach.night and breach.weekend
    assert page_emails(escalation.id)[-1] == (m(opened, 15), ann.email)


def test_the_monday_handoff_happens_at_nine_local_which_is_eight_utc_in_summer(week):
    """Monday 30 March, first day of summer time: Ben takes over at 09:00 BST = 08:00 UTC. A
    breach paged to Ann at 07:55 UTC repeats to Ben at 08:05; one breached at 08:05 goes to
    Ben directly (a wrong handoff at 09:00 UTC would page Ann for both)."""
    ann, ben = week["ann"], week["ben"]
    early = open_sev1(week["org"], week["owner"], utc(30, 7, 40))
    later = open_sev1(week["org"], week["owner"], utc(30, 7, 50))
    sweep_every_minute(utc(30, 7, 40), utc(30, 8, 6))
    assert page_emails(early.id) == [(utc(30, 7, 52), ann.email), (utc(30, 7, 55), ann.email),
                                     (utc(30, 8, 5), ben.email)]
    assert page_emails(later.id) == [(utc(30, 8, 2), ben.email), (utc(30, 8, 5), ben.email)]


def test_a_second_sweep_at_the_same_instant_pages_nobody_twice(week):
    """The job runs twice (a retry, a second scheduler) at each minute: the same pages."""
    opened = utc(24, 10)
    escalation = open_sev1(week["org"], week["owner"], opened)
    at = opened
    while at <= m(opened, 36):
        sweep(at)
        sweep(at)
        at += timedelta(minutes=1)
    assert len(page_emails(escalation.id)) == 4


def test_the_clock_stopping_stops_the_repeats(week):
    """The owner acknowledges the escalation itself: its acknowledgement clock stops, and so
    do the pages about it."""
    opened = utc(24, 10)
    escalation = open_sev1(week["org"], week["owner"], opened)
    sweep_every_minute(opened, m(opened, 16))
    with frozen_at(m(opened, 17)):
        ops.change_status(escalation, Status.ACKNOWLEDGED, actor=week["owner"])
    sweep_every_minute(m(opened, 18), m(opened, 60))
    assert len(page_emails(escalation.id)) == 2
    assert {p.ended_reason for p in pages(escalation.id)} == {PageEnd.CLOCK_STOPPED.value}
