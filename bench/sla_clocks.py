"""SLA clocks per second: the pure function "now", and clocks "as of" an instant, in one run.

DESIGN.md: one pure function computes every clock; issue 12 adds clocks "as of T" (the severity
in force at T, the updates posted by T, the resolved periods as they stood) and exact DST. This
prints, on one core, in one run:

- pure now, 24x7 — `sla.compute_clocks` on a 24x7 calendar: the baseline;
- pure now, business hours — the same on Berlin office hours, each escalation a week old and
  open across a DST change (the per-day UTC segments are cached per zone and day);
- pure now, business hours, cold — the same with the segment cache cleared before each call
  (what a process's first look at a day costs);
- as of T — `clocks.clocks_as_of` for escalations in a SQLite database (its one query for the
  latest update, severity and status history loaded), at instants between their events: what
  `flask sla show --at` costs per escalation.

    .venv/bin/python bench/sla_clocks.py [--calls 5000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal import create_app  # noqa: E402
from portal.clock import frozen_at  # noqa: E402
from portal.config import TestConfig, settings_of  # noqa: E402
from portal.enums import Role, Status, Visibility  # noqa: E402
from portal.escalations import operations as ops  # noqa: E402
from portal.escalations import sla  # noqa: E402
from portal.escalations.clocks import clocks_as_of  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.tenancy import Scope, set_scope  # noqa: E402
from tests import factories  # noqa: E402

OFFICE = {str(day): [["09:00", "18:00"]] for day in range(5)}
START = datetime(2026, 3, 23, 8, 0, tzinfo=UTC)  # the week of Europe's spring-forward change
ESCALATIONS = 50


def _pure_inputs(calendar: sla.Calendar, n: int) -> list[dict]:
    targets = sla.Targets(acknowledge_minutes=60, update_minutes=240, resolve_minutes=2880)
    inputs = []
    for i in range(n):
        opened = START + timedelta(minutes=37 * i % 4000)
        history = [sla.StatusChange(opened, "new"),
                   sla.StatusChange(opened + timedelta(minutes=20), "acknowledged"),
                   sla.StatusChange(opened + timedelta(hours=5), "waiting_on_customer"),
                   sla.StatusChange(opened + timedelta(hours=30), "investigating")]
        inputs.append(dict(calendar=calendar, targets=targets, opened_at=opened,
                           status_history=history, acknowledged_at=opened + timedelta(minutes=20),
                           resolved_at=None, last_customer_update_at=opened + timedelta(hours=2),
                           next_update_by=None, now=opened + timedelta(days=7)))
    return inputs


def _rate(function, items) -> float:
    began = time.perf_counter()
    for item in items:
        function(item)
    return len(items) / (time.perf_counter() - began)


def _pure(item):
    return sla.compute_clocks(**item)


def _pure_cold(item):
    sla._day_segments.cache_clear()
    return sla.compute_clocks(**item)


def build(app) -> list[int]:
    """Escalations with a week of history each: status changes, a severity raise, updates."""
    with app.app_context():
        set_scope(db.session(), Scope.unscoped("benchmark setup"))
        agent = factories.make_staff(Role.AGENT)
        policy = factories.make_policy("Bench office", business_hours=OFFICE)
        org = factories.make_organization("Bench Office GmbH", policy=policy,
                                          timezone="Europe/Berlin")
        ids = []
        for i in range(ESCALATIONS):
            opened = START + timedelta(minutes=53 * i)
            with frozen_at(opened):
                escalation = factories.make_escalation(org, actor=agent, severity=3)
            steps = [(20, lambda e: ops.change_status(e, Status.ACKNOWLEDGED, actor=agent)),
                     (60, lambda e: ops.change_status(e, Status.INVESTIGATING, actor=agent)),
                     (90, lambda e: ops.post_update(e, author=agent, body="Progress.",
                                                    visibility=Visibility.CUSTOMER)),
                     (300, lambda e: ops.change_severity(e, 2, actor=agent, reason="Worse.")),
                     (600, lambda e: ops.change_status(e, Status.RESOLVED, actor=agent,
                                                       resolution_summary="Fixed.")),
                     (1500, lambda e: ops.change_status(e, Status.INVESTIGATING, actor=agent,
                                                        reason="Back again."))]
            for minutes, step in steps:
                with frozen_at(opened + timedelta(minutes=minutes)):
                    step(escalation)
            ids.append(escalation.id)
        db.session.commit()
        return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="clearpath-bench-sla-"))
    try:
        app = create_app(settings_of(TestConfig, DATABASE_URL=f"sqlite:///{workdir / 'b.db'}"))
        from flask_migrate import upgrade

        with app.app_context():
            upgrade()
        print(f"building {ESCALATIONS} escalations with a week of history…", flush=True)
        ids = build(app)
        office = sla.Calendar.from_policy("Europe/Berlin", OFFICE)
        pure_24x7 = _pure_inputs(sla.Calendar("UTC"), args.calls)
        pure_office = _pure_inputs(office, args.calls)
        cold_office = pure_office[: max(1, args.calls // 10)]
        figures: dict[str, list[float]] = {"pure now, 24x7": [], "pure now, business hours": [],
                                           "pure now, business hours, cold": [], "as of T": []}
        with app.app_context():
            set_scope(db.session(), Scope.unscoped("benchmark"))
            from portal.escalations.models import Escalation

            escalations = [db.session.get(Escalation, i) for i in ids]
            for escalation in escalations:  # load histories once, as `sla show` does per row
                _ = escalation.status_history, escalation.severity_history
                _ = escalation.organization.sla_policy.targets
            instants = [(e, e.opened_at + timedelta(minutes=m))
                        for m in (10, 45, 200, 400, 900, 2000) for e in escalations]
            for _ in range(args.rounds):
                figures["pure now, 24x7"].append(_rate(_pure, pure_24x7))
                figures["pure now, business hours"].append(_rate(_pure, pure_office))
                figures["pure now, business hours, cold"].append(_rate(_pure_cold, cold_office))
                figures["as of T"].append(
                    _rate(lambda pair: clocks_as_of(pair[0], pair[1]), instants))
        baseline = statistics.median(figures["pure now, 24x7"])
        print(f"{'measurement':<34}{'clocks/s':>12}{'× baseline':>12}   (median of "
              f"{args.rounds} rounds, one core)")
        for name, rates in figures.items():
            rate = statistics.median(rates)
            print(f"{name:<34}{rate:>12,.0f}{rate / baseline:>12.3f}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
