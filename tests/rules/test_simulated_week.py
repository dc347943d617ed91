"""A simulated week on the one clock: six escalations opened over six days, each with kept and
missed customer-update commitments and done, late and internal milestones. Sweeping every hour
and every minute around each instant, every reminder fires exactly once, at the minute its
instant passes, and none fires for a kept commitment or a milestone done in time."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from portal.clock import frozen_at
from portal.enums import Role, Status, Visibility
from portal.escalations import operations as ops
from portal.extensions import db
from portal.notices.models import Notice
from tests import factories
from tests.rules.helpers import minutes, sweep_at

WEEK = 7 * 24 * 60
WATCHED = ("next_update_missed", "next_update_overdue", "milestone_due_soon", "milestone_late")
GRACE, LEAD = 30, 60  # the default rules


@dataclass
class Case:
    start: int  # minutes after T0
    escalation: object = None
    milestones: dict = None


def _actions(case: Case, people) -> list[tuple[int, callable]]:
    owner, communicator, org = people["owner"], people["communicator"], people["org"]
    t = case.start

    def open_it():
        case.escalation = factories.make_escalation(org, actor=owner, owner=owner, severity=2,
                                                    communicator=communicator)
        e = case.escalation
        ops.post_update(e, author=owner, visibility=Visibility.CUSTOMER, body="On it.",
                        next_update_by=minutes(t + 120))
        case.milestones = {
            "customer": ops.add_milestone(e, actor=owner, title="Workaround live",
                                          due_at=minutes(t + 180)),
            "internal": ops.add_milestone(e, actor=owner, title="Root cause",
                                          due_at=minutes(t + 600),
                                          visibility=Visibility.INTERNAL),
            "done": ops.add_milestone(e, actor=owner, title="Logs collected",
                                      due_at=minutes(t + 900)),
        }

    def keep_first_commitment():  # posted before the promise: never alerts
        ops.post_update(case.escalation, author=owner, visibility=Visibility.CUSTOMER,
                        body="Progress.", next_update_by=minutes(t + 300))

    def late_update():  # the second promise (t+300) was missed; this one reaches far ahead
        ops.post_update(case.escalation, author=owner, visibility=Visibility.CUSTOMER,
                        body="Sorry for the delay.", next_update_by=minutes(t + 2000))

    def complete_early():
        ops.complete_milestone(case.milestones["done"], actor=owner)

    def resolve():
        for status in (Status.ACKNOWLEDGED, Status.INVESTIGATING):
            ops.change_status(case.escalation, status, actor=owner)
        ops.change_status(case.escalation, Status.RESOLVED, actor=owner,
                          resolution_summary="Fixed.")

    return [(t, open_it), (t + 100, keep_first_commitment), (t + 420, late_update),
            (t + 800, complete_early), (t + 1500, resolve)]


def _expected(case: Case, people) -> set[tuple]:
    t, e = case.start, case.escalation.id
    owner, communicator, manager = (people[k].email for k in ("owner", "communicator",
                                                              "manager"))
    return {
        (e, "next_update_missed", owner, t + 300),
        (e, "next_update_missed", communicator, t + 300),
        (e, "next_update_overdue", manager, t + 300 + GRACE),
        (e, "milestone_due_soon", owner, t + 180 - LEAD),
        (e, "milestone_late", owner, t + 180),
        (e, "milestone_late", communicator, t + 180),  # customer-visible milestone
        (e, "milestone_due_soon", owner, t + 600 - LEAD),
        (e, "milestone_late", owner, t + 600),  # internal: the owner only
    }


def test_a_week_of_reminders_fires_each_once_at_its_minute(staff_session):
    """Every commitment and milestone reminder of the week, once, at the right minute."""
    people = {"owner": factories.make_staff(), "manager": factories.make_staff(
        Role.ESCALATION_MANAGER), "communicator": factories.make_staff(Role.ACCOUNT_MANAGER),
        "org": factories.make_organization()}
    factories.make_customer(people["org"])
    cases = [Case(start=day * 1440 + 7 * day) for day in range(6)]  # 09:00, 09:07+1 d, …
    actions = sorted((m, f) for case in cases for m, f in _actions(case, people))
    interesting = {t + d for case in cases
                   for t in (case.start + 300, case.start + 330, case.start + 120,
                             case.start + 180, case.start + 540, case.start + 600,
                             case.start + 840, case.start + 900, case.start + 2000)
                   for d in (-1, 0, 1)}
    sweeps = sorted(set(range(0, WEEK + 1, 60)) | interesting)
    pending = list(actions)
    for minute in sweeps:
        while pending and pending[0][0] <= minute:
            at, act = pending.pop(0)
            with frozen_at(minutes(at)):
                act()
        sweep_at(minute)
    assert not pending

    fired = [(n.escalation_id, n.event, n.recipient,
              int((n.created_at - minutes(0)).total_seconds() // 60))
             for n in db.session.scalars(select(Notice).where(Notice.event.in_(WATCHED)))]
    expected = set().union(*(_expected(case, people) for case in cases))
    assert len(fired) == len(set(fired))  # never twice
    assert set(fired) == expected
