"""The rules sweep over many open escalations on PostgreSQL: time and SQL statement count.

DESIGN.md budget: "SLA sweep over 100,000 open escalations: set-based SQL, well under a
second". The statement count must not depend on the number of escalations, so the run is
repeated at two sizes (default 1,000 and 100,000) and both counts are printed.

    .venv/bin/python bench/sla_sweep.py [--rows 1000 100000] [--repeat 3]

Its own database, `bench_rules` (BENCH_DB_NAME), made by the app's migrations; the seeder
writes rows only (set-based `INSERT … SELECT generate_series`). Every escalation is open, with
stored due instants spread over ±2 days around "now", one milestone and one handoff each (one
in ten never acknowledged), so a first sweep has a great deal to queue (the worst case: a
scheduler that was down for days); the next one, a minute later, only what passed since.
Each measurement runs in a transaction that is rolled back, so runs are repeatable.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import UTC, datetime, timedelta

os.environ.setdefault("BENCH_DB_NAME", "bench_rules")

import common  # noqa: E402  (after choosing the database)

STAFF, ORGANIZATIONS = 20, 50


def seed_people(cur, now: datetime) -> None:
    cur.execute("SELECT count(*) FROM users")
    if cur.fetchone()[0]:
        return
    cur.execute("INSERT INTO sla_policies (id, name, description, business_hours, holidays) "
                "VALUES (1, 'Bench 24x7', '', NULL, '[]'::json)")
    cur.execute(
        """
        INSERT INTO users (id, email, name, job_title, phone, role, organization_id, timezone,
                           password_hash, active, session_version, created_at,
                           notification_preference)
        SELECT g, format('staff%%s@vendor.bench.example', g), format('Staff %%s', g), '', '',
               CASE WHEN g = 1 THEN 'administrator' WHEN g <= 3 THEN 'escalation_manager'
                    ELSE 'agent' END,
               NULL, 'UTC', NULL, true, 1, %(now)s, 'immediate'
        FROM generate_series(1, %(staff)s) g
        """, {"now": now, "staff": STAFF})
    cur.execute(
        """
        INSERT INTO organizations (id, name, slug, segment, annual_revenue, timezone,
                                   sla_policy_id, account_manager_id, created_at)
        SELECT g, format('Org %%s', g), format('org-%%s', g), 'enterprise', 1000000, 'UTC', 1,
               NULL, %(now)s
        FROM generate_series(1, %(orgs)s) g
        """, {"now": now, "orgs": ORGANIZATIONS})
    cur.execute(
        """
        INSERT INTO users (id, email, name, job_title, phone, role, organization_id, timezone,
                           password_hash, active, session_version, created_at,
                           notification_preference)
        SELECT %(staff)s + 3 * (o - 1) + r, format('c%%s-%%s@org-%%s.bench.example', r, o, o),
               format('Customer %%s-%%s', o, r), '', '',
               (ARRAY['viewer', 'executive', 'customer_admin'])[r], o, NULL, NULL, true, 1,
               %(now)s, 'immediate'
        FROM generate_series(1, %(orgs)s) o, generate_series(1, 3) r
        """, {"now": now, "staff": STAFF, "orgs": ORGANIZATIONS})
    cur.execute("SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users))")


def seed_escalations(cur, now: datetime, rows: int) -> None:
    """Exactly `rows` open escalations (rebuilt when the count differs)."""
    cur.execute("SELECT count(*) FROM escalations")
    if cur.fetchone()[0] == rows:
        return
    cur.execute("TRUNCATE escalations, notices, sla_breaches, audit_events RESTART IDENTITY "
                "CASCADE")
    cur.execute(
        """
        INSERT INTO escalations (
            id, organization_id, title, summary, customer_impact, severity, status, tier,
            trigger, product_area, category, source_ticket, users_affected,
            core_operations_blocked, reputational_risk, priority_score, priority_breakdown,
            owner_id, communicator_id, resolution_summary, opened_at, status_changed_at,
            updated_at, customer_changed_at, ack_due_at, ack_at_risk_at, resolve_due_at,
            resolve_at_risk_at, next_update_due_at)
        SELECT g, 1 + g %% %(orgs)s, format('Bench escalation %%s', g), '', '', 1 + g %% 4,
               CASE WHEN g %% 3 = 0 THEN 'new' ELSE 'investigating' END, 'L1', 'severity',
               '', '', '', 0, false, 'low', 50, '{}'::json,
               4 + g %% (%(staff)s - 3), 4 + (g + 1) %% (%(staff)s - 3), '',
               %(now)s - interval '3 days', %(now)s - interval '3 days',
               %(now)s - interval '3 days', %(now)s - interval '3 days',
               CASE WHEN g %% 3 = 0 THEN d.ack END,
               CASE WHEN g %% 3 = 0 THEN d.ack - interval '15 minutes' END,
               d.resolve, d.resolve - interval '6 hours', d.next_update
        FROM generate_series(1, %(rows)s) g,
             LATERAL (SELECT %(now)s + (random() * 4 - 2 + g * 0) * interval '1 day' AS ack,
                             %(now)s + (random() * 4 - 2 + g * 0) * interval '1 day' AS resolve,
                             %(now)s + (random() * 4 - 2 + g * 0) * interval '1 day'
                                 AS next_update) d
        """, {"now": now, "rows": rows, "orgs": ORGANIZATIONS, "staff": STAFF})
    cur.execute(
        """
        INSERT INTO milestones (escalation_id, organization_id, title, due_at, completed_at,
                                visibility, position)
        SELECT id, organization_id, 'Fix deployed',
               %(now)s + (random() * 4 - 2) * interval '1 day',
               CASE WHEN id %% 5 = 0 THEN %(now)s END,
               CASE WHEN id %% 4 = 0 THEN 'internal' ELSE 'customer' END, 0
        FROM escalations
        """, {"now": now})
    cur.execute(
        """
        INSERT INTO handoffs (escalation_id, organization_id, from_user_id, to_user_id, summary,
                              customer_impact, steps_taken, environment, reason,
                              reason_detail, created_at, acknowledged_at)
        SELECT id, organization_id, NULL, owner_id, 's', 'i', 't', 'e', 'severity', '',
               %(now)s - random() * interval '3 days',
               CASE WHEN id %% 10 < 9 THEN %(now)s END
        FROM escalations
        """, {"now": now})
    cur.execute("SELECT setval(pg_get_serial_sequence('escalations', 'id'), %s)", (rows,))


def measure(rows: int, repeat: int, now: datetime) -> dict:
    from sqlalchemy import event, func, select

    from portal import create_app
    from portal.extensions import db
    from portal.notices.models import Notice
    from portal.rules.jobs import evaluate_rules
    from portal.tenancy import Scope, set_scope

    with common.connect() as conn, conn.cursor() as cur:
        seed_people(cur, now)
        seed_escalations(cur, now, rows)
        conn.commit()
    with common.connect(autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")

    app = create_app(common.app_config())
    statements: list[str] = []

    timings: dict[str, float] = {}

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)
        conn.info["started"] = time.perf_counter()

    def timed(conn, cursor, statement, parameters, context, executemany):
        label = " ".join(statement.split()[:3])[:40] + " …" + statement[-60:].replace("\n", " ")
        timings[label] = timings.get(label, 0) + time.perf_counter() - conn.info["started"]

    results = {"rows": rows, "first": [], "again": []}
    with app.app_context():
        engine = db.engine
        for _ in range(repeat):
            session = db.session()
            set_scope(session, Scope.unscoped("bench: rules sweep"))
            evaluate_rules(now)  # warm: statements compiled and cached
            session.rollback()
            event.listen(engine, "before_cursor_execute", count)
            event.listen(engine, "after_cursor_execute", timed)
            statements.clear()
            timings.clear()
            started = time.perf_counter()
            counts = evaluate_rules(now)
            first = time.perf_counter() - started
            first_statements = len(statements)
            statements.clear()
            started = time.perf_counter()
            later = evaluate_rules(now + timedelta(minutes=1))  # the steady state: a minute on
            again = time.perf_counter() - started
            again_statements = len(statements)
            event.remove(engine, "before_cursor_execute", count)
            event.remove(engine, "after_cursor_execute", timed)
            queued = session.scalar(select(func.count()).select_from(Notice))
            session.rollback()
            results["first"].append(first)
            results["again"].append(again)
        results.update(statements_first=first_statements, statements_again=again_statements,
                       notices=queued, breaches=counts["breaches"],
                       per_sweep={k: v for k, v in counts.items() if v},
                       next_minute=sum(v for k, v in later.items() if k != "tier_changes"),
                       slowest=sorted(timings.items(), key=lambda kv: -kv[1])[:4])
        db.engine.dispose()
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reseed", action="store_true", help="drop and rebuild the database")
    args = parser.parse_args(argv)
    common.create_database(drop_first=args.reseed)
    common.migrate()
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    print(f"rules sweep on PostgreSQL ({common.DB_NAME}), median of {args.repeat}")
    print(f"{'open escalations':>17} {'statements':>10} {'first sweep':>12} {'notices':>8} "
          f"{'breaches':>8} {'statements':>10} {'next minute':>11} {'queued':>6}")
    for rows in args.rows:
        r = measure(rows, args.repeat, now)
        print(f"{r['rows']:>17,} {r['statements_first']:>10} "
              f"{statistics.median(r['first']) * 1000:>9.0f} ms {r['notices']:>8,} "
              f"{r['breaches']:>8,} {r['statements_again']:>10} "
              f"{statistics.median(r['again']) * 1000:>8.0f} ms {r['next_minute']:>6}")
        print(f"{'':>17} queued per sweep: {r['per_sweep']}")
        for label, seconds in r["slowest"]:
            print(f"{'':>17} {seconds * 1000:7.0f} ms (two sweeps) {label}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
