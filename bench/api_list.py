"""The API's escalation list benchmark (issue 13): `GET /api/v1/escalations` next to the bare
Flask JSON endpoint, in one run, on the same gunicorn.

    .venv/bin/python bench/api_list.py [--small] [--seconds 10] [--connections 8] [--rounds 1]

1. Uses its own database, `bench_api` (BENCH_DB_NAME), seeded like the dashboard's
   (bench/seed_large.py: 100,000 escalations, or 500 with --small) and migrated.
2. Issues two API tokens through the real operation (portal.api.tokens): the administrator's
   staff service token and the busiest organization's customer admin's token.
3. Counts SQL queries per request in-process: staff list, customer list, a filtered list, the
   second page (cursor), and an unchanged list (If-None-Match → 304).
4. Serves the app with gunicorn (bench/serve.py) and drives each URL with wrk
   (bench/dashboard.py's harness): bare, staff list (25 rows), customer list, filtered list,
   unchanged list (304), bare again; prints throughput, latency and the ratios to bare.
Figures are information, never assertions. The per-token rate limit is lifted for the run
(PORTAL_API_RATE_LIMIT), or wrk would measure the 429s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from datetime import UTC, datetime
from statistics import median

os.environ.setdefault("BENCH_DB_NAME", "bench_api")  # before common reads it
os.environ.setdefault("PORTAL_API_RATE_LIMIT", "100000000 per minute")

import common  # noqa: E402
import dashboard as harness  # noqa: E402
import seed_large  # noqa: E402

LIST = "/api/v1/escalations?limit=25"
FILTERED = "/api/v1/escalations?limit=25&severity=1&status=investigating"


def issue_tokens() -> dict:
    """A staff service token and the busiest organization's customer admin's token."""
    from sqlalchemy import func, select

    from portal import create_app
    from portal.accounts.models import User
    from portal.api.tokens import issue_token
    from portal.enums import OPEN_STATUSES, Role
    from portal.escalations.models import Escalation
    from portal.extensions import db
    from portal.tenancy import Scope, set_scope

    app = create_app(common.app_config())
    with app.app_context():
        session = db.session()
        set_scope(session, Scope.unscoped("bench setup"))
        admin = session.scalar(select(User).where(User.role == Role.ADMINISTRATOR).limit(1))
        busiest, opened = session.execute(
            select(Escalation.organization_id, func.count()).where(
                Escalation.status.in_(OPEN_STATUSES)).group_by(Escalation.organization_id)
            .order_by(func.count().desc()).limit(1)).one()
        customer = session.scalar(select(User).where(User.organization_id == busiest,
                                                     User.role == Role.CUSTOMER_ADMIN))
        _, staff_secret = issue_token(actor=admin, name="bench staff", scopes=["read"])
        _, customer_secret = issue_token(actor=customer, name="bench customer", scopes=["read"])
        session.commit()
    return {"staff": staff_secret, "customer": customer_secret, "organization": busiest,
            "open": opened}


def count_queries(tokens: dict) -> dict:
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
    results = {}

    def measure(key, path, secret, extra=None):
        headers = {"Authorization": f"Bearer {secret}", **(extra or {})}
        client.get(path, headers=headers)
        statements.clear()
        response = client.get(path, headers=headers)
        results[key] = {"queries": len(statements), "status": response.status_code}
        return response

    first = measure("staff list", LIST, tokens["staff"])
    measure("customer list", LIST, tokens["customer"])
    measure("filtered list", FILTERED, tokens["staff"])
    cursor = first.get_json().get("next_cursor")
    if cursor:
        measure("second page", f"{LIST}&cursor={cursor}", tokens["staff"])
    measure("unchanged (304)", LIST, tokens["staff"], {"If-None-Match": first.headers["ETag"]})
    return results


def run(args) -> dict:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    started = datetime.now(UTC)
    seed_large.ensure_seeded(seed_large.SMALL if args.small else seed_large.FULL,
                             reseed=args.reseed)
    common.migrate()
    tokens = issue_tokens()
    print(f"\ntokens issued; busiest organization {tokens['organization']} has "
          f"{tokens['open']} open escalations", flush=True)
    queries = count_queries(tokens)
    with harness.Server(args.workers, args.threads) as server:
        client = harness.Client(server.port)
        _, headers, _ = client.request("GET", LIST, headers={
            "Authorization": f"Bearer {tokens['staff']}"})
        client.close()
        agent = {"User-Agent": harness.USER_AGENT}
        staff = {**agent, "Authorization": f"Bearer {tokens['staff']}"}
        customer = {**agent, "Authorization": f"Bearer {tokens['customer']}"}
        unchanged = {**staff, "If-None-Match": headers.get("ETag", "")}
        bare = ("bare", "bare Flask JSON", "/bare", agent, 200)
        pages = [
            ("staff", "staff list (25 rows)", LIST, staff, 200),
            ("customer", "customer list (25 rows)", LIST, customer, 200),
            ("filtered", "staff list, sev 1 investigating", FILTERED, staff, 200),
            ("unchanged", "unchanged list (If-None-Match)", LIST, unchanged, 304),
        ]
        plan = [bare] + (pages + [bare]) * args.rounds
        results: dict[str, list] = {}
        for key, label, path, headers_, expected in plan:
            m = harness.measure(label, server, path, headers_, expected, args)
            results.setdefault(key, []).append(
                {**harness.asdict(m), "as_expected": m.as_expected})
    return {"started": started.isoformat(timespec="seconds"), "code": common.git_state(),
            "open": tokens["open"], "queries": queries, "results": results,
            "settings": vars(args), "load_average": os.getloadavg()}


def report(outcome: dict) -> None:
    line = "─" * 96
    results = outcome["results"]
    print(f"\n{line}\nClearpath API list benchmark · {outcome['started']} · code "
          f"{outcome['code']} · load average {outcome['load_average'][0]:.1f}")
    print(f"{'measurement':<52}{'status':>8}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for runs in results.values():
        statuses = ",".join(sorted({code for m in runs for code in m["statuses"]})) or "-"
        print(f"{runs[0]['label']:<52}{statuses:>8}{median(m['rps'] for m in runs):>10.1f}"
              f"{median(m['p50_ms'] for m in runs):>10.1f}"
              f"{median(m['p99_ms'] for m in runs):>10.1f}"
              f"{'' if all(m['as_expected'] for m in runs) else '  ← unexpected statuses'}")
    print(f"{line}\nthroughput ratios against the bare endpoint in the same round")
    for key in ("staff", "customer", "filtered", "unchanged"):
        print(f"  {key + ' / bare':<26}{median(harness.ratios(results, key)):>8.4f}")
    print(f"{line}\nSQL queries per request (in-process)")
    for key, q in outcome["queries"].items():
        print(f"  {key:<26}{q['queries']:>6}   (HTTP {q['status']})")
    print(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true", help="seed 500 escalations, not 100,000")
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
