"""What the tenancy guard costs one ORM statement: the same statements run unscoped (staff) and
in a customer's scope, in one run, on a temporary SQLite database.

    .venv/bin/python bench/tenancy_cost.py [--rounds 2000]

Prints per statement kind: the median µs per execution unscoped and scoped, their ratio, the
Python function calls per execution (cProfile; a figure a busy machine does not move) and
whether SQLAlchemy's compiled cache answered (every timed execution should be a cache hit).
Two organizations take turns in the scoped rounds, as two customers' requests would.
Figures are information, never assertions.
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import pstats
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, func, select  # noqa: E402
from sqlalchemy.orm import aliased, selectinload  # noqa: E402

from portal import create_app  # noqa: E402
from portal.config import TestConfig, settings_of  # noqa: E402
from portal.escalations.models import Escalation, Update  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.tenancy import Scope, set_scope  # noqa: E402
from tests import factories  # noqa: E402


def statements(escalation_ids: dict[int, int]):
    """Statement kinds a customer page runs: (name, run(session, organization_id))."""

    def by_id(session, org):
        return session.execute(select(Escalation).where(
            Escalation.id == escalation_ids[org])).scalars().all()

    def updates(session, org):
        return session.scalars(select(Update).where(
            Update.escalation_id == escalation_ids[org]).order_by(Update.id)).all()

    def count(session, org):
        return session.scalar(select(func.count()).select_from(Escalation))

    def columns(session, org):
        return session.execute(select(Escalation.id, Escalation.title).order_by(
            Escalation.id)).all()

    def joined_alias(session, org):
        other = aliased(Escalation)
        return session.execute(select(Update.id, other.title).join(
            other, Update.escalation_id == other.id).where(
            other.id == escalation_ids[org])).all()

    def eager(session, org):
        return session.scalars(select(Escalation).options(
            selectinload(Escalation.status_history))).all()

    return [("select entity by id", by_id), ("select updates", updates),
            ("count", count), ("select columns", columns),
            ("join an alias", joined_alias), ("selectinload (2 statements)", eager)]


def build(app) -> tuple[dict[int, int], list[int]]:
    with app.app_context():
        session = db.session()
        set_scope(session, Scope.unscoped("benchmark setup"))
        world = factories.build_world()
        session.commit()
        ids = {world.org_a.id: world.escalation_a.id, world.org_b.id: world.escalation_b.id}
        return ids, list(ids)


def measure(app, run, scope_of, orgs: list[int], rounds: int) -> tuple[float, float, Counter]:
    """(median µs per execution, function calls per execution, cache-hit kinds)."""
    hits: Counter = Counter()

    def count_hits(conn, cursor, statement, parameters, context, executemany):
        hits[context.cache_hit] += 1

    with app.app_context():
        session = db.session()
        engine = session.get_bind()
        for org in orgs * 5:  # warm the compiled cache for every organization
            set_scope(session, scope_of(org))
            run(session, org)
        session.expunge_all()
        event.listen(engine, "after_cursor_execute", count_hits)
        try:
            samples = []
            for i in range(rounds):
                org = orgs[i % len(orgs)]
                set_scope(session, scope_of(org))
                start = time.perf_counter_ns()
                run(session, org)
                samples.append((time.perf_counter_ns() - start) / 1000)
                session.expunge_all()  # load rows each time, as a new request would
            profile = cProfile.Profile()
            calls_rounds = 200
            profile.enable()
            for i in range(calls_rounds):
                org = orgs[i % len(orgs)]
                set_scope(session, scope_of(org))
                run(session, org)
                session.expunge_all()
            profile.disable()
        finally:
            event.remove(engine, "after_cursor_execute", count_hits)
        session.rollback()
    calls = pstats.Stats(profile).total_calls / calls_rounds
    return statistics.median(samples), calls, hits


def cache_label(hits: Counter) -> str:
    names = {"CACHE_HIT": "hit", "CACHE_MISS": "MISS", "NO_CACHE": "NO CACHE",
             "CACHING_DISABLED": "DISABLED"}
    kinds = {names.get(str(kind).split(".")[-1], str(kind)) for kind in hits}
    return "/".join(sorted(kinds)) or "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="clearpath-bench-tenancy-"))
    app = create_app(settings_of(TestConfig, DATABASE_URL=f"sqlite:///{workdir / 't.db'}"))
    from flask_migrate import upgrade

    logging.disable(logging.INFO)  # the migrations' chatter
    with app.app_context():
        upgrade()
    escalation_ids, orgs = build(app)

    def staff(org):
        return Scope.unscoped("benchmark: the unscoped yardstick")

    print(f"{'statement':<30} {'unscoped µs':>12} {'scoped µs':>10} {'ratio':>6}"
          f" {'calls unscoped':>15} {'calls scoped':>13} {'ratio':>6}  compiled cache")
    totals = [0.0, 0.0, 0.0, 0.0]
    for name, run in statements(escalation_ids):
        bare_us, bare_calls, bare_hits = measure(app, run, staff, orgs, args.rounds)
        scoped_us, scoped_calls, scoped_hits = measure(app, run, Scope.organization, orgs,
                                                       args.rounds)
        for i, figure in enumerate((bare_us, scoped_us, bare_calls, scoped_calls)):
            totals[i] += figure
        print(f"{name:<30} {bare_us:>12.0f} {scoped_us:>10.0f} {scoped_us / bare_us:>5.2f}×"
              f" {bare_calls:>15.0f} {scoped_calls:>13.0f} {scoped_calls / bare_calls:>5.2f}×"
              f"  unscoped {cache_label(bare_hits)}, scoped {cache_label(scoped_hits)}")
    print(f"{'all of the above':<30} {totals[0]:>12.0f} {totals[1]:>10.0f}"
          f" {totals[1] / totals[0]:>5.2f}× {totals[2]:>15.0f} {totals[3]:>13.0f}"
          f" {totals[3] / totals[2]:>5.2f}×")


if __name__ == "__main__":
    main()
