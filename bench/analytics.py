"""The staff analytics benchmark (issue 18): the analytics page and its CSV on the 100,000
escalation bench data, next to the bare Flask endpoint on the same gunicorn.

    .venv/bin/python bench/analytics.py [--small] [--seconds 10] [--rounds 1]

1. Uses its own database, `bench_analytics` (BENCH_DB_NAME), seeded like the dashboard's
   (bench/seed_large.py; `--small` for the 1/200 data set) and migrated; then, once, adds
   what the analytics read and the seed does not write, set-based: survey answers on 60 % of
   resolved escalations, recorded SLA breaches on 1 in 7, tier changes in the audit log on 1
   in 3 (half of them later moved back down), and a ticket volume for every organization and
   month.
2. In-process, signed in as an escalation manager: SQL statements per request and the median
   time of 5 requests for the default page (6 months), 12 months grouped by organization,
   24 months grouped by owner, and the CSV of the grouped view.
3. Serves the app with gunicorn and drives each URL with wrk (bench/dashboard.py's harness):
   bare, the pages and the CSV, bare again; prints throughput and the ratio to bare.
Figures are information, never assertions; the constant statement count is asserted by
tests/analytics/test_statements.py.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from datetime import UTC, datetime
from statistics import median

os.environ.setdefault("BENCH_DB_NAME", "bench_analytics")  # before common reads it

import common  # noqa: E402
import dashboard as harness  # noqa: E402
import seed_large  # noqa: E402

PREPARED_TAG = "analytics-v1"
MANAGER_EMAIL = "staff002@vendor.bench.example"  # staff 2..4 are escalation managers
URLS = {
    "page": ("analytics page, last 6 months", "/admin/analytics"),
    "grouped": ("12 months by organization", "/admin/analytics?since={m12}&group_by=organization"),
    "owners": ("24 months by owner", "/admin/analytics?since={m24}&group_by=owner"),
    "csv": (
        "CSV, 12 months by organization",
        "/admin/analytics.csv?since={m12}&group_by=organization",
    ),
}


def prepare(log=print) -> None:
    """Add survey answers, SLA breaches, tier changes and ticket volumes (once)."""
    with common.connect() as conn:
        done = conn.execute(
            "SELECT count(*) FROM settings WHERE key = 'bench.analytics_prepared' "
            "AND value::text = %s",
            (json.dumps(PREPARED_TAG),),
        ).fetchone()[0]
        if done:
            log(f"bench database {common.DB_NAME!r} already prepared for the analytics")
            return
        log("adding survey answers, SLA breaches, tier changes and ticket volumes…", flush=True)
        started = time.perf_counter()
        conn.execute(
            """
            INSERT INTO survey_responses (organization_id, escalation_id, user_id, score,
                                          comment, created_at)
            SELECT e.organization_id, e.id, %(staff)s + 3 * (e.organization_id - 1) + 1,
                   (ARRAY[5, 5, 4, 4, 4, 3, 2, 5, 4, 1])[1 + e.id %% 10], '',
                   e.resolved_at + interval '1 day'
            FROM escalations e
            WHERE e.resolved_at IS NOT NULL AND e.id %% 10 < 6
              AND e.resolved_at + interval '1 day' < now()""",
            {"staff": seed_large.STAFF},
        )
        conn.execute("""
            INSERT INTO sla_breaches (organization_id, escalation_id, clock, due_at,
                                      recorded_at, handled_at, outcome)
            SELECT organization_id, id,
                   CASE WHEN id % 2 = 0 THEN 'acknowledge' ELSE 'resolve' END,
                   opened_at + interval '1 hour', opened_at + interval '1 hour',
                   opened_at + interval '1 hour', 'none'
            FROM escalations WHERE resolved_at IS NOT NULL AND id % 7 = 0""")
        conn.execute("""
            INSERT INTO audit_events (at, actor_id, organization_id, action, object_type,
                                      object_id, ip_address, detail)
            SELECT e.opened_at + m.after, 13, e.organization_id, 'escalation.tier_changed',
                   'Escalation', e.id, '',
                   json_build_object('from_tier', m.from_tier, 'to_tier', m.to_tier,
                                     'reason', 'bench')
            FROM escalations e,
                 (VALUES (interval '2 hours', 'L1', 'L2', 3),
                         (interval '5 hours', 'L2', 'L1', 6)) AS m(after, from_tier, to_tier,
                                                                  every)
            WHERE e.id % m.every = 0
              AND coalesce(e.resolved_at, now()) > e.opened_at + m.after""")
        conn.execute("""
            INSERT INTO ticket_volumes (organization_id, month, tickets, updated_at)
            SELECT o.id, m::date, 40 + (o.id * 37 + extract(month FROM m)::int * 11) % 400,
                   now()
            FROM organizations o,
                 generate_series(date_trunc('month', (SELECT min(opened_at) FROM escalations)),
                                 date_trunc('month', now()), interval '1 month') m""")
        conn.execute(
            "INSERT INTO settings (key, value, updated_at) VALUES "
            "('bench.analytics_prepared', %s, now())",
            (json.dumps(PREPARED_TAG),),
        )
        conn.commit()
    with common.connect(autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    log(f"  prepared in {time.perf_counter() - started:.0f} s")


def _months_back(count: int) -> str:
    today = datetime.now(UTC).date()
    index = today.year * 12 + today.month - 1 - count
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def urls() -> dict[str, tuple[str, str]]:
    return {
        key: (label, path.format(m12=_months_back(11), m24=_months_back(23)))
        for key, (label, path) in URLS.items()
    }


def measure_in_process(email: str) -> dict:
    """Statements and median time (5 requests after a warm-up) per URL, in-process."""
    from sqlalchemy import event

    from portal import create_app
    from portal.extensions import db

    app = create_app(common.app_config())
    with app.app_context():
        engine = db.engine
    statements: list[str] = []
    event.listen(
        engine, "before_cursor_execute", lambda conn, cursor, stmt, *args: statements.append(stmt)
    )
    client = app.test_client()
    harness.sign_in_test_client(client, email)
    results = {}
    try:
        for key, (_label, path) in urls().items():
            client.get(path).get_data()
            times = []
            for _ in range(5):
                statements.clear()
                began = time.perf_counter()
                response = client.get(path)
                response.get_data()
                times.append(time.perf_counter() - began)
            results[key] = {
                "queries": len(statements),
                "status": response.status_code,
                "median_ms": median(times) * 1000,
            }
    finally:
        with app.app_context():
            db.engine.dispose()
    return results


def run(args) -> dict:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    started = datetime.now(UTC)
    size = seed_large.SMALL if args.small else seed_large.FULL
    seed_large.ensure_seeded(size, reseed=args.reseed)
    common.migrate()
    prepare()
    with common.connect() as conn:
        escalations = conn.execute("SELECT count(*) FROM escalations").fetchone()[0]
    in_process = measure_in_process(MANAGER_EMAIL)
    with harness.Server(args.workers, args.threads) as server:
        client = harness.Client(server.port)
        client.sign_in(MANAGER_EMAIL, common.BENCH_PASSWORD)
        cookie = client.cookie_header()
        client.close()
        auth = {"User-Agent": harness.USER_AGENT, "Cookie": cookie}
        bare = ("bare", "bare Flask JSON", "/bare", {"User-Agent": harness.USER_AGENT}, 200)
        pages = [(key, label, path, auth, 200) for key, (label, path) in urls().items()]
        plan = [bare] + (pages + [bare]) * args.rounds
        results: dict[str, list] = {}
        for key, label, path, headers_, expected in plan:
            m = harness.measure(label, server, path, headers_, expected, args)
            results.setdefault(key, []).append({**harness.asdict(m), "as_expected": m.as_expected})
    return {
        "started": started.isoformat(timespec="seconds"),
        "code": common.git_state(),
        "escalations": escalations,
        "in_process": in_process,
        "results": results,
        "settings": vars(args),
        "load_average": os.getloadavg(),
    }


def report(outcome: dict) -> None:
    line = "─" * 96
    results = outcome["results"]
    print(
        f"\n{line}\nClearpath staff analytics benchmark · {outcome['started']} · code "
        f"{outcome['code']} · {outcome['escalations']:,} escalations"
    )
    print(f"{'measurement':<52}{'status':>8}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for runs in results.values():
        statuses = ",".join(sorted({code for m in runs for code in m["statuses"]})) or "-"
        print(
            f"{runs[0]['label']:<52}{statuses:>8}{median(m['rps'] for m in runs):>10.1f}"
            f"{median(m['p50_ms'] for m in runs):>10.1f}"
            f"{median(m['p99_ms'] for m in runs):>10.1f}"
            f"{'' if all(m['as_expected'] for m in runs) else '  ← unexpected statuses'}"
        )
    print(f"{line}\nthroughput ratios against the bare endpoint in the same round")
    for key in URLS:
        print(f"  {key + ' / bare':<26}{median(harness.ratios(results, key)):>8.4f}")
    print(f"{line}\nin-process, one request at a time: SQL statements and median time of 5")
    for key, q in outcome["in_process"].items():
        print(
            f"  {key:<26}{q['queries']:>6} statements  {q['median_ms']:>9.1f} ms"
            f"   (HTTP {q['status']})"
        )
    print(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument(
        "--small",
        action="store_true",
        help="the 1/200 data set (500 escalations) instead of 100,000",
    )
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
