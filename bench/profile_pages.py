"""In-process profile of rendered pages on the bench database: per page, its SQL statements,
the mean wall and CPU time of one request, with --calls the Python function calls per request
(a figure a busy machine does not move), and with --profile KEY the top of a cProfile.

    .venv/bin/python bench/profile_pages.py [--live] [--calls] [--requests 50] [--profile queue]
        [--only dashboard] [--callers "method 'get'"]

LIVE_MEMO is off unless --live (then the change feed runs, as in gunicorn's workers); every
request carries Cache-Control: no-cache, so the gate never answers: pages are rendered.

Signs in with the test client as the busiest organization's viewer and as an escalation
manager (as bench/pages.py does over HTTP), then times each page one request at a time.
Figures are information, never assertions; use ratios between pages on a shared machine.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time

import common
import dashboard as harness
import pages as pages_bench


class AppAlone:
    """A page called as gunicorn's worker calls it: one WSGI environ built once (the test
    client's own, with its settled session cookie), then `app(environ, start_response)` with
    the body read and closed. Same `get` shape as the test client for the loop below."""

    def __init__(self, app, client, path, headers):
        for _ in range(3):  # the cookie the client holds after the session settled
            response = client.get(path, headers=headers)
        self.environ = dict(response.request.environ)  # what the test client built
        self.app = app
        self.status_code = None

    def _start_response(self, status, headers, exc_info=None):
        self.status_code = int(status.split(" ", 1)[0])

    def get(self, path, headers=None):
        body = self.app(dict(self.environ), self._start_response)
        try:
            for _ in body:
                pass
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        return self


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--profile", action="append", default=[],
                        help="page key to profile with cProfile (repeatable)")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--statements", action="store_true", help="print each page's SQL")
    parser.add_argument("--calls", action="store_true",
                        help="also count Python function calls per request (cProfile): a "
                             "measure of the app's work that a busy machine does not move")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--callers", metavar="PATTERN",
                        help="with --profile: also who calls the functions matching PATTERN "
                             "(pstats' print_callers), e.g. \"method 'get'\"")
    parser.add_argument("--only", action="append", default=[], metavar="KEY",
                        help="time only these pages (repeatable; the others are skipped)")
    parser.add_argument("--app-alone", action="store_true",
                        help="call the app as gunicorn does, app(environ, start_response), with "
                             "an environ built once from the signed-in client's cookie: the "
                             "figures leave out Werkzeug's test client")
    parser.add_argument("--live", action="store_true",
                        help="LIVE_MEMO on (the change feed and the signed-in account copy); "
                             "pages are still rendered (no-cache)")
    args = parser.parse_args(argv)

    from sqlalchemy import event

    from portal import create_app
    from portal.extensions import db

    subjects = harness.pick_subjects()
    reference, _, _ = pages_bench.pick_escalation(subjects.organization_id)
    staff = pages_bench.escalation_manager()
    app = create_app({**common.app_config(), "LIVE_MEMO": args.live})
    if args.live:
        gate = app.extensions["clearpath.live"]
        gate.feed.ensure_started()
        gate.feed.wait_until_live()
    with app.app_context():
        engine = db.engine
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda conn, cursor, stmt, *a: statements.append(stmt))
    customer = app.test_client()
    harness.sign_in_test_client(customer, subjects.email)
    manager = app.test_client()
    harness.sign_in_test_client(manager, staff)
    no_cache = {"Cache-Control": "no-cache", "User-Agent": harness.USER_AGENT}
    plan = [
        ("bare", None, "/bare"),
        ("floor", customer, "/"),
        ("notifications", customer, "/account/notifications"),
        ("escalation", customer, f"/escalations/{reference}"),
        ("dashboard", customer, "/escalations"),
        ("queue", manager, "/admin/"),
    ]
    print(f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    calls_header = "calls/req" if args.calls else ""
    print(f"{'page':<16}{'status':>7}{'statements':>12}{'ms/request':>12}{'CPU ms':>9}"
          f"{calls_header:>12}")
    for key, client, path in plan:
        if client is None or (args.only and key not in args.only):
            continue
        if args.app_alone:
            client = AppAlone(app, client, path, no_cache)
        for _ in range(3):
            response = client.get(path, headers=no_cache)
        statements.clear()
        client.get(path, headers=no_cache)
        count = len(statements)
        if args.statements:
            for statement in statements:
                print("    " + " ".join(statement.split())[:160])
        n = args.requests
        started, cpu = time.perf_counter(), time.process_time()
        for _ in range(n):
            response = client.get(path, headers=no_cache)
        elapsed = (time.perf_counter() - started) / n * 1000
        cpu = (time.process_time() - cpu) / n * 1000  # this process only: not PostgreSQL's
        calls = ""
        if args.calls:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(5):
                client.get(path, headers=no_cache)
            profiler.disable()
            calls = f"{pstats.Stats(profiler).total_calls // 5:>12,}"
        print(f"{key:<16}{response.status_code:>7}{count:>12}{elapsed:>12.2f}{cpu:>9.2f}{calls}",
              flush=True)
        if key in args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(n):
                client.get(path, headers=no_cache)
            profiler.disable()
            stats = pstats.Stats(profiler, stream=sys.stdout)
            stats.sort_stats(args.sort).print_stats(args.top)
            if args.callers:
                stats.print_callers(args.callers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
