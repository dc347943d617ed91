"""The staff queue benchmark (issue 4, "Queue"): 100,000 OPEN escalations in PostgreSQL.

    .venv/bin/python bench/staff_queue.py [--seconds 10] [--connections 8] [--rounds 1]

1. Uses its own database, `bench_queue` (BENCH_DB_NAME), seeded like the dashboard's
   (bench/seed_large.py) and migrated; then, once, opens every escalation (the queue lists
   open ones only) and fills what the queue reads from stored columns: the SLA due instants
   (acknowledge, resolve, next update, at-risk at 75 %) from each policy's targets, counted
   24×7 (the queue reads the instants, never recomputes them), and the last customer update.
2. Counts SQL queries per request in-process, signed in as an agent: the queue's first page,
   a deep page, a filtered and SLA-sorted view, the fragment and the unchanged poll.
3. Serves the app with gunicorn and drives each URL with wrk (bench/dashboard.py's harness):
   bare, queue page, unchanged poll (304), filtered view (SLA breached, SLA due soonest),
   a deep page, the signed-in floor (GET / → 302), bare again; prints throughput and
   ratios to the bare endpoint.
Figures are information, never assertions; the query count's constancy is asserted by
tests/admin/test_queue.py. (Not named queue.py: on the bench's sys.path, and gunicorn's
--chdir bench, that would shadow the standard library's `queue`, which psycopg imports.)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from datetime import UTC, datetime
from statistics import median

os.environ.setdefault("BENCH_DB_NAME", "bench_queue")  # before common reads it

import common  # noqa: E402
import dashboard as harness  # noqa: E402
import seed_large  # noqa: E402

QUEUE_TAG = "queue-open-v1"
FILTERED = "/admin/?sla=breached&sort=sla"
DEEP = "/admin/?page=1000"


def prepare(log=print) -> None:
    """Open every escalation and fill the stored columns the queue reads (once)."""
    with common.connect() as conn:
        done = conn.execute(
            "SELECT count(*) FROM settings WHERE key = 'bench.queue_prepared' "
            "AND value::text = %s", (json.dumps(QUEUE_TAG),)).fetchone()[0]
        if done:
            log(f"bench database {common.DB_NAME!r} already prepared for the queue")
            return
        log("opening every escalation and storing its due instants…", flush=True)
        started = datetime.now(UTC)
        conn.execute("""
            UPDATE escalations SET
                status = CASE
                    WHEN status NOT IN ('resolved', 'closed') THEN status
                    ELSE (ARRAY['acknowledged', 'investigating', 'investigating',
                                'waiting_on_customer', 'contained'])[id % 5 + 1] END,
                resolved_at = NULL, closed_at = NULL,
                status_changed_at = CASE WHEN status IN ('resolved', 'closed')
                                         THEN coalesce(resolved_at, status_changed_at)
                                         ELSE status_changed_at END""")
        conn.execute("""
            UPDATE escalations e SET last_customer_update_at = u.at
            FROM (SELECT escalation_id, max(created_at) AS at FROM updates
                  WHERE visibility = 'customer' AND kind <> 'customer_comment'
                    AND retracted_at IS NULL GROUP BY escalation_id) u
            WHERE u.escalation_id = e.id""")
        conn.execute("""
            UPDATE escalations e SET
                ack_due_at = CASE WHEN e.status = 'new'
                    THEN e.opened_at + t.acknowledge_minutes * interval '1 minute' END,
                ack_at_risk_at = CASE WHEN e.status = 'new'
                    THEN e.opened_at + t.acknowledge_minutes * interval '45 seconds' END,
                resolve_due_at = CASE WHEN e.status <> 'waiting_on_customer'
                    THEN e.opened_at + t.resolve_minutes * interval '1 minute' END,
                resolve_at_risk_at = CASE WHEN e.status <> 'waiting_on_customer'
                    THEN e.opened_at + t.resolve_minutes * interval '45 seconds' END,
                next_update_due_at = CASE WHEN e.status <> 'waiting_on_customer'
                    THEN coalesce(e.last_customer_update_at, e.opened_at)
                         + t.update_minutes * interval '1 minute' END
            FROM organizations o, sla_targets t
            WHERE o.id = e.organization_id AND t.policy_id = o.sla_policy_id
              AND t.severity = e.severity""")
        conn.execute(
            "INSERT INTO settings (key, value, updated_at) VALUES "
            "('bench.queue_prepared', %s, now())", (json.dumps(QUEUE_TAG),))
        conn.commit()
    with common.connect(autocommit=True) as conn:
        conn.execute("VACUUM FULL ANALYZE escalations")  # the rewrites above left it bloated
    log(f"  prepared in {(datetime.now(UTC) - started).total_seconds():.0f} s")


def agent_email() -> tuple[str, int]:
    with common.connect() as conn:
        email = conn.execute("SELECT email FROM users WHERE role = 'agent' AND active "
                             "ORDER BY id LIMIT 1").fetchone()[0]
        opened = conn.execute("SELECT count(*) FROM escalations WHERE status NOT IN "
                              "('resolved', 'closed')").fetchone()[0]
    return email, opened


def count_queries(email: str) -> dict:
    from sqlalchemy import event

    from portal import create_app
    from portal.extensions import db

    app = create_app(common.app_config())
    with app.app_context():
        engine = db.engine
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda conn, cursor, stmt, *args: statements.append(stmt))
    client = app.test_client()
    harness.sign_in_test_client(client, email)
    results = {}

    def measure(key, path, headers=None):
        client.get(path, headers=headers)
        statements.clear()
        response = client.get(path, headers=headers)
        results[key] = {"queries": len(statements), "status": response.status_code,
                        "etag": response.headers.get("ETag")}
        return response

    try:
        measure("page", "/admin/")
        measure("deep", DEEP)
        measure("filtered", FILTERED)
        fragment = measure("fragment", "/admin/", {"HX-Request": "true"})
        measure("poll", "/admin/", {"HX-Request": "true",
                                    "If-None-Match": fragment.headers.get("ETag", "")})
    finally:
        with app.app_context():
            db.engine.dispose()
    return results


def run(args) -> dict:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    started = datetime.now(UTC)
    seed_large.ensure_seeded(reseed=args.reseed)
    common.migrate()
    prepare()
    email, opened = agent_email()
    print(f"\nsigned in as {email}; {opened} open escalations", flush=True)
    queries = count_queries(email)
    with harness.Server(args.workers, args.threads) as server:
        client = harness.Client(server.port)
        client.sign_in(email, common.BENCH_PASSWORD)
        status, headers, _ = client.request("GET", "/admin/", headers={"HX-Request": "true"})
        etag = headers.get("ETag")
        cookie = client.cookie_header()
        client.close()
        auth = {"User-Agent": harness.USER_AGENT, "Cookie": cookie}
        poll = {**auth, "HX-Request": "true", "If-None-Match": etag or ""}
        bare = ("bare", "bare Flask JSON", "/bare", {"User-Agent": harness.USER_AGENT}, 200)
        pages = [
            ("queue", "queue page /admin/ (50 rows)", "/admin/", auth, 200),
            ("poll", "unchanged poll (If-None-Match)", "/admin/", poll, 304),
            ("filtered", f"filtered {FILTERED}", FILTERED, auth, 200),
            ("deep", f"deep page {DEEP}", DEEP, auth, 200),
            # Any signed-in request's fixed cost (session, user): context for the poll.
            ("floor", "signed-in floor: GET / → 302", "/", auth, 302),
        ]
        plan = [bare] + (pages + [bare]) * args.rounds
        results: dict[str, list] = {}
        for key, label, path, headers_, expected in plan:
            m = harness.measure(label, server, path, headers_, expected, args)
            results.setdefault(key, []).append(
                {**harness.asdict(m), "as_expected": m.as_expected})
    return {"started": started.isoformat(timespec="seconds"), "code": common.git_state(),
            "open": opened, "queries": queries, "results": results,
            "settings": vars(args), "load_average": os.getloadavg()}


def report(outcome: dict) -> None:
    line = "─" * 96
    results = outcome["results"]
    print(f"\n{line}\nClearpath staff queue benchmark · {outcome['started']} · code "
          f"{outcome['code']} · {outcome['open']} open escalations")
    print(f"{'measurement':<52}{'status':>8}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for runs in results.values():
        statuses = ",".join(sorted({code for m in runs for code in m["statuses"]})) or "-"
        print(f"{runs[0]['label']:<52}{statuses:>8}{median(m['rps'] for m in runs):>10.1f}"
              f"{median(m['p50_ms'] for m in runs):>10.1f}"
              f"{median(m['p99_ms'] for m in runs):>10.1f}"
              f"{'' if all(m['as_expected'] for m in runs) else '  ← unexpected statuses'}")
    print(f"{line}\nthroughput ratios against the bare endpoint in the same round")
    for key in ("queue", "poll", "filtered", "deep", "floor"):
        print(f"  {key + ' / bare':<26}{median(harness.ratios(results, key)):>8.4f}")
    print(f"{line}\nSQL queries per request (in-process)")
    for key, q in outcome["queries"].items():
        print(f"  {key:<26}{q['queries']:>6}   (HTTP {q['status']})")
    print(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--json", metavar="PATH")
    args = parser.parse_args(argv)
    outcome = run(args)
    report(outcome)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(outcome, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
