"""Clearpath's pages side by side with the peer a user would pick instead (issue "Live and
fast"), in ONE run on the same machine, the same gunicorn and the same wrk settings.

    .venv/bin/python bench/pages.py [--rounds 3] [--seconds 10] [--warmup 3] [--json PATH]
                                    [--pages dashboard_rendered,notifications]

1. Makes sure both data sets exist: Clearpath's `bench` database (bench/seed_large.py:
   100,000 escalations, 1,000,000 updates) and the peer's `bench_helpdesk` (bench/peer:
   django-helpdesk 2.6.1 in its own venv, 100,000 tickets, 1,000,000 public follow-ups).
2. Starts two gunicorns with the same flags (2 sync workers by default) on free loopback
   ports: Clearpath with the bare Flask endpoint at /bare (bench/serve.py), and the peer with
   its bare Django endpoint at /bare (bench/peer/helpdesk_site).
3. Signs in over HTTP as the busiest organization's viewer and as an escalation manager, checks
   the peer's public ticket view answers 200 with its 10 follow-ups, then drives every page
   with wrk (-t2 -c16, 10 s after a 3 s warm-up) for 3 interleaved rounds: bare Flask, bare
   Django, the peer's ticket view, then Clearpath's pages; one closing pair of bare runs.
4. Prints medians over the rounds: req/s, p50, the ratio to the page's own framework's bare
   endpoint (mean of the bare runs before and after the round), and, for the escalation
   page, the ratio to the peer's ticket view. Figures are information, never assertions.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import platform
import shutil
import signal
import sys
from datetime import UTC, datetime
from statistics import median

import common
import dashboard as harness
import peer
import seed_large

VISIBLE_UPDATES = 10  # Clearpath's escalation page: about as many as the peer's follow-ups


@dataclasses.dataclass
class Page:
    key: str
    label: str
    server: str  # "clearpath" or "peer"
    path: str
    headers: dict
    expected: int
    bare: str  # the key of its framework's bare endpoint


def pick_escalation(organization_id: int) -> tuple[str, int, int]:
    """The organization's open escalation whose customer timeline is closest to 10 updates."""
    from portal.escalations.models.escalation import REFERENCE_OFFSET, REFERENCE_PREFIX

    with common.connect() as conn:
        escalation_id, visible, total = conn.execute(
            f"""SELECT e.id,
                       count(*) FILTER (WHERE u.visibility = 'customer'
                                          AND u.retracted_at IS NULL) AS visible,
                       count(*)
                FROM escalations e JOIN updates u ON u.escalation_id = e.id
                WHERE e.organization_id = %s AND e.{harness.OPEN}
                GROUP BY e.id
                ORDER BY abs(count(*) FILTER (WHERE u.visibility = 'customer'
                                                AND u.retracted_at IS NULL) - %s), e.id DESC
                LIMIT 1""", (organization_id, VISIBLE_UPDATES)).fetchone()
    return f"{REFERENCE_PREFIX}{escalation_id + REFERENCE_OFFSET}", visible, total


def escalation_manager() -> str:
    with common.connect() as conn:
        return conn.execute("SELECT email FROM users WHERE role = 'escalation_manager' "
                            "AND active ORDER BY id LIMIT 1").fetchone()[0]


def sign_in(server: harness.Server, email: str) -> str:
    client = harness.Client(server.port)
    try:
        client.sign_in(email, common.BENCH_PASSWORD)
        return client.cookie_header()
    finally:
        client.close()


def preflight(servers: dict, pages: list[Page]) -> dict:
    """One request per page before any load: a page that does not answer as expected is named
    now (wrk's status counts show it again in the table)."""
    seen = {}
    for page in pages:
        client = harness.Client(servers[page.server].port)
        try:
            headers = {k: v for k, v in page.headers.items() if k != "Cookie"}
            if "Cookie" in page.headers:
                client.cookies = dict(part.split("=", 1)
                                      for part in page.headers["Cookie"].split("; "))
            status, _, body = client.request("GET", page.path, headers=headers)
        finally:
            client.close()
        seen[page.key] = {"status": status, "bytes": len(body)}
        if status != page.expected and page.expected != 304:
            print(f"  ! {page.label}: GET {page.path} answered {status}, expected "
                  f"{page.expected}", flush=True)
    return seen


def run(args) -> dict:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    started = datetime.now(UTC)
    seed_large.ensure_seeded(reseed=args.reseed)
    peer.ensure_seeded(reseed=args.reseed_peer)
    subjects = harness.pick_subjects()
    reference, visible, total = pick_escalation(subjects.organization_id)
    subjects = dataclasses.replace(subjects, reference=reference, reference_updates=total,
                                   reference_visible_updates=visible)
    staff = escalation_manager()
    ticket = peer.pick_ticket()
    print(f"\nClearpath: signed in as {subjects.email} ({subjects.organization}, "
          f"{subjects.open_escalations} open escalations); escalation {reference} "
          f"({visible} customer-visible of {total} updates); staff queue as {staff}")
    print(f"peer: {peer.NAME}, ticket {ticket.id} ({ticket.followups} public follow-ups, "
          f"{ticket.comment_chars:.0f} characters each on average)", flush=True)

    load_before = os.getloadavg()
    results: dict[str, list[harness.Measurement]] = {}
    with contextlib.ExitStack() as stack:
        clearpath = stack.enter_context(
            harness.Server(args.workers, args.threads, worker_class=args.worker_class))
        helpdesk = stack.enter_context(
            peer.Server(args.workers, args.threads, worker_class=args.worker_class))
        servers = {"clearpath": clearpath, "peer": helpdesk}
        verified = peer.verify(helpdesk.port, ticket)
        seen = harness.probe(clearpath, subjects, args)
        customer = {"User-Agent": harness.USER_AGENT, "Cookie": seen["cookie"]}
        manager = {"User-Agent": harness.USER_AGENT, "Cookie": sign_in(clearpath, staff)}
        no_cache = {"Cache-Control": "no-cache"}  # the gate always leaves it to the app
        poll_headers = {**customer, **seen["poll_headers"]}
        if seen["etag"]:
            poll_headers["If-None-Match"] = seen["etag"]
        plain = {"User-Agent": harness.USER_AGENT}
        bares = [Page("bare_flask", "bare Flask JSON /bare", "clearpath", "/bare", plain, 200,
                      "bare_flask"),
                 Page("bare_django", "bare Django JSON /bare", "peer", "/bare", plain, 200,
                      "bare_django")]
        escalation = f"/escalations/{reference}"
        pages = [
            Page("peer_ticket", f"helpdesk public ticket view ({ticket.followups} follow-ups)",
                 "peer", ticket.url, plain, 200, "bare_django"),
            Page("escalation", f"escalation page {reference} ({visible} updates)",
                 "clearpath", escalation, customer, 200, "bare_flask"),
            Page("escalation_rendered", "escalation page, rendered (no-cache)", "clearpath",
                 escalation, {**customer, **no_cache}, 200, "bare_flask"),
            Page("dashboard", "dashboard /escalations", "clearpath", "/escalations", customer,
                 200, "bare_flask"),
            Page("dashboard_rendered", "dashboard, rendered (no-cache)", "clearpath",
                 "/escalations", {**customer, **no_cache}, 200, "bare_flask"),
            Page("poll", "unchanged dashboard poll (304)", "clearpath", seen["poll_url"],
                 poll_headers, 304 if seen["etag"] else 200, "bare_flask"),
            Page("notifications", "notification settings /account/notifications",
                 "clearpath", "/account/notifications", customer, 200, "bare_flask"),
            Page("floor", "signed-in GET / → 302", "clearpath", "/", customer, 302,
                 "bare_flask"),
            Page("staff_queue", "staff queue /admin/ (escalation manager)", "clearpath",
                 "/admin/", manager, 200, "bare_flask"),
            Page("staff_queue_rendered", "staff queue, rendered (no-cache)", "clearpath",
                 "/admin/", {**manager, **no_cache}, 200, "bare_flask"),
        ]
        if args.pages:  # a subset (for a quick A/B); every page keeps its bare runs around it
            unknown = set(args.pages) - {p.key for p in pages}
            if unknown:
                raise SystemExit(f"--pages: no such page {', '.join(sorted(unknown))}; "
                                 f"pages are {', '.join(p.key for p in pages)}")
            wanted = set(args.pages) | ({"peer_ticket"} if any(
                key.startswith("escalation") for key in args.pages) else set())
            pages = [p for p in pages if p.key in wanted]
        checked = preflight(servers, bares + pages)
        # bare, bare, pages, …, bare, bare: every page sits between two runs of its own
        # framework's bare endpoint, and each round holds every page once.
        plan = (bares + pages) * args.rounds + bares
        print(f"\nload: wrk {args.wrk_threads} threads, {args.connections} connections, "
              f"{args.seconds:g} s each after {args.warmup:g} s warm-up, {args.rounds} "
              f"round(s); gunicorn {args.workers} {args.worker_class} workers each; "
              f"Clearpath on {clearpath.base}, peer on {helpdesk.base}", flush=True)
        for page in plan:
            for server in servers.values():  # neither server still busy from the last one
                server.settle()
            results.setdefault(page.key, []).append(harness.measure(
                page.label, servers[page.server], page.path, page.headers, page.expected,
                args))
    by_key = {p.key: p for p in bares + pages}
    return {
        "started": started.isoformat(timespec="seconds"), "code": common.git_state(),
        "peer": {"name": peer.NAME, "data": peer.FULL.tag, "ticket": dataclasses.asdict(ticket),
                 "ticket_url": ticket.url, "verified": verified},
        "clearpath": {"data": seed_large.SEED_TAG, "subjects": dataclasses.asdict(subjects),
                      "staff": staff,
                      "probe": {k: v for k, v in seen.items() if k != "cookie"}},
        "preflight": checked,
        "pages": {k: {"label": p.label, "server": p.server, "path": p.path,
                      "expected": p.expected, "bare": p.bare} for k, p in by_key.items()},
        "results": {k: [dataclasses.asdict(m) | {"as_expected": m.as_expected} for m in runs]
                    for k, runs in results.items()},
        "load_average": {"before": load_before, "after": os.getloadavg()},
        "settings": {"seconds": args.seconds, "warmup": args.warmup, "rounds": args.rounds,
                     "connections": args.connections, "wrk_threads": args.wrk_threads,
                     "workers": args.workers, "worker_class": args.worker_class,
                     "threads": args.threads if args.worker_class == "gthread" else None,
                     "cpus": os.cpu_count(), "python": platform.python_version()},
    }


def summarize(outcome: dict) -> dict:
    """Medians over the rounds, and the ratios per round (their median)."""
    results = outcome["results"]
    summary = {}
    for key, spec in outcome["pages"].items():
        runs = results[key]
        bare = [m["rps"] for m in results[spec["bare"]]]
        row = {"label": spec["label"], "server": spec["server"],
               "statuses": sorted({code for m in runs for code in m["statuses"]}),
               "as_expected": all(m["as_expected"] for m in runs),
               "responses": sum(m["requests"] for m in runs),
               "rps": median(m["rps"] for m in runs),
               "p50_ms": median(m["p50_ms"] for m in runs),
               "p99_ms": median(m["p99_ms"] for m in runs),
               "kib": median(m["bytes_per_response"] for m in runs) / 1024}
        if key != spec["bare"]:
            per_round = [m["rps"] / ((bare[i] + bare[i + 1]) / 2) for i, m in enumerate(runs)]
            row["to_bare"] = median(per_round)
            row["to_bare_rounds"] = per_round
        if key.startswith("escalation"):
            peer_runs = results["peer_ticket"]
            per_round = [m["rps"] / peer_runs[i]["rps"] if peer_runs[i]["rps"] else 0.0
                         for i, m in enumerate(runs)]
            row["to_peer"] = median(per_round)
            row["to_peer_rounds"] = per_round
        summary[key] = row
    return summary


def report(outcome: dict) -> None:
    summary, s = outcome["summary"], outcome["settings"]
    line = "─" * 112
    before, after = outcome["load_average"]["before"], outcome["load_average"]["after"]
    print(f"\n{line}\nClearpath pages beside {outcome['peer']['name']} · {outcome['started']} · "
          f"code {outcome['code']}")
    print(f"Clearpath: {outcome['clearpath']['data']}")
    print(f"peer: {outcome['peer']['data']}")
    print(f"gunicorn {s['workers']} {s['worker_class']} workers for each app; wrk -t"
          f"{s['wrk_threads']} -c{s['connections']}, {s['seconds']:g} s after {s['warmup']:g} s "
          f"warm-up, {s['rounds']} interleaved round(s), medians; {s['cpus']} CPUs shared by "
          f"both servers, PostgreSQL and wrk")
    print("load average (1, 5, 15 min): before " + ", ".join(f"{x:.2f}" for x in before)
          + "; after " + ", ".join(f"{x:.2f}" for x in after))
    print(f"{line}\n{'page':<52}{'status':>8}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}"
          f"{'KiB':>7}{'÷ own bare':>12}{'÷ peer view':>13}")
    for row in summary.values():
        statuses = ",".join(row["statuses"]) or "-"
        to_bare = f"{row['to_bare']:.3f}" if "to_bare" in row else "1"
        to_peer = f"{row['to_peer']:.2f}×" if "to_peer" in row else ""
        flag = "" if row["as_expected"] else "  ← unexpected statuses"
        print(f"{row['label']:<52}{statuses:>8}{row['rps']:>10.1f}{row['p50_ms']:>9.1f}"
              f"{row['p99_ms']:>9.1f}{row['kib']:>7.1f}{to_bare:>12}{to_peer:>13}{flag}")
    print(f"{line}\n÷ own bare: the page's req/s over its framework's bare endpoint (Flask for "
          "Clearpath, Django for the peer), mean of the bare runs around it, median over "
          "rounds.\n÷ peer view: the escalation page's req/s over django-helpdesk's public "
          "ticket view in the same round.")
    print(f"peer ticket view: {outcome['peer']['ticket_url']}\n{line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10, help="per measurement (10)")
    parser.add_argument("--warmup", type=float, default=3, help="unrecorded, before each (3)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (3)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (16)")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--worker-class", default="sync", choices=("sync", "gthread"),
                        help="gunicorn worker class for both apps (sync)")
    parser.add_argument("--threads", type=int, default=4, help="threads if gthread (4)")
    parser.add_argument("--reseed", action="store_true", help="rebuild Clearpath's bench")
    parser.add_argument("--reseed-peer", action="store_true", help="rebuild bench_helpdesk")
    parser.add_argument("--poll-url", help="the dashboard fragment URL, if the page hides it")
    parser.add_argument("--json", metavar="PATH", help="also write every figure as JSON")
    parser.add_argument("--pages", type=lambda text: text.split(","), metavar="KEY,KEY",
                        help="only these pages (keys as in --json), e.g. dashboard_rendered; "
                             "the bare endpoints always run")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.seconds <= 0 or args.warmup < 0:
        parser.error("--rounds must be at least 1, --seconds positive")
    # A SIGTERM stops the run like Ctrl-C: the servers' __exit__ stops both gunicorns.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    outcome = run(args)
    outcome["summary"] = summarize(outcome)
    report(outcome)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(outcome, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
