"""The customer dashboard benchmark (DESIGN.md "Budgets"; issue 3, "Performance").

    .venv/bin/python bench/dashboard.py [--reseed] [--seconds 10] [--connections 8]

1. Makes sure the `bench` PostgreSQL database holds the large data set (bench/seed_large.py).
2. Counts SQL queries per request in-process (SQLAlchemy `before_cursor_execute`), for the
   busiest organization and a small one, so "constant whatever the row count" is visible.
3. Serves the real app with gunicorn on 127.0.0.1 (bench/serve.py: the portal, plus the bare
   Flask JSON endpoint at /bare in the same workers), signs in over HTTP as a customer of the
   busiest organization, and drives each URL with wrk for a fixed time at a fixed concurrency:
   bare, dashboard page, unchanged poll (fragment + If-None-Match → 304), escalation page,
   bare again.
4. Prints throughput, p50/p99 and the ratios against the bare endpoint with PASS/MISS against
   the goals. Figures are information, never assertions; everything stops by itself.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from statistics import median
from urllib.parse import urlencode

import common
import seed_large

USER_AGENT = "clearpath-bench/1"
GOALS = {"dashboard": 0.40, "poll": 0.80}  # share of the bare endpoint's throughput
MIN_SAMPLES = 30  # fewer responses than this in a measurement: its percentiles mean little
POLL_304_SHARE = 0.95  # an unchanged poll: 304 at least this often (200 at a minute's turn)


# ------------------------------------------------------------------------------ the subjects
@dataclass
class Subjects:
    """Who signs in and which pages they load: chosen from the data, not hard-coded."""

    organization_id: int
    organization: str
    open_escalations: int
    email: str
    reference: str
    reference_updates: int
    reference_visible_updates: int
    small_organization_id: int
    small_open_escalations: int
    small_email: str


OPEN = "status NOT IN ('resolved', 'closed')"


def pick_subjects() -> Subjects:
    from portal.escalations.models.escalation import REFERENCE_OFFSET, REFERENCE_PREFIX

    with common.connect() as conn:
        busiest, opened = conn.execute(
            f"SELECT organization_id, count(*) FROM escalations WHERE {OPEN} "
            "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1").fetchone()
        small, small_opened = conn.execute(
            f"SELECT organization_id, count(*) FROM escalations WHERE {OPEN} "
            "GROUP BY 1 ORDER BY 2, 1 LIMIT 1").fetchone()
        name = conn.execute("SELECT name FROM organizations WHERE id = %s",
                            (busiest,)).fetchone()[0]
        # The busiest organization's open escalation with the longest customer timeline.
        escalation_id, visible, total = conn.execute(
            f"""SELECT e.id,
                       count(*) FILTER (WHERE u.visibility = 'customer'
                                          AND u.retracted_at IS NULL) AS visible,
                       count(*)
                FROM escalations e JOIN updates u ON u.escalation_id = e.id
                WHERE e.organization_id = %s AND e.{OPEN}
                GROUP BY e.id ORDER BY 2 DESC, e.id LIMIT 1""", (busiest,)).fetchone()

        def viewer(org_id: int) -> str:
            return conn.execute(
                "SELECT email FROM users WHERE organization_id = %s AND active "
                "ORDER BY role = 'viewer' DESC, id LIMIT 1", (org_id,)).fetchone()[0]

        return Subjects(
            organization_id=busiest, organization=name, open_escalations=opened,
            email=viewer(busiest),
            reference=f"{REFERENCE_PREFIX}{escalation_id + REFERENCE_OFFSET}",
            reference_updates=total, reference_visible_updates=visible,
            small_organization_id=small, small_open_escalations=small_opened,
            small_email=viewer(small),
        )


# ------------------------------------------------------------------------------ page parsing
class _Scan(HTMLParser):
    """Finds the CSRF token of a form and the element that polls (hx-trigger "every …")."""

    def __init__(self):
        super().__init__()
        self.csrf_token: str | None = None
        self.poll: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("name") == "csrf_token":
            self.csrf_token = self.csrf_token or attributes.get("value")
        trigger = attributes.get("hx-trigger") or ""
        if self.poll is None and attributes.get("hx-get") and re.search(r"\bevery\b", trigger):
            self.poll = {"url": attributes["hx-get"], "id": attributes.get("id"),
                         "target": attributes.get("hx-target"), "trigger": trigger}


def scan(html: str) -> _Scan:
    parser = _Scan()
    parser.feed(html)
    return parser


def poll_request(page_html: str, page_path: str, base: str, override: str | None):
    """The URL and headers htmx would send for the dashboard's poll."""
    found = scan(page_html).poll
    url = override or (found["url"] if found else page_path)
    headers = {"HX-Request": "true", "HX-Current-URL": base + page_path}
    if found:
        target = found["target"] or (f"#{found['id']}" if found["id"] else None)
        if target and target.startswith("#"):
            headers["HX-Target"] = target[1:]
        if found["id"]:
            headers["HX-Trigger"] = found["id"]
    how = ("--poll-url" if override else
           f"found hx-get with hx-trigger {found['trigger']!r}" if found else
           "no polling element on the page: the page URL with HX-Request")
    return url, headers, how


# ------------------------------------------------------------------ an HTTP client (stdlib)
class Client:
    """One keep-alive connection with a cookie jar: enough to sign in and probe."""

    def __init__(self, port: int):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, form: dict | None = None,
                headers: dict | None = None) -> tuple[int, http.client.HTTPMessage, bytes]:
        sent = {"User-Agent": USER_AGENT, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = self.cookie_header()
        body = None
        if form is not None:
            body = urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=sent)
        response = self.connection.getresponse()
        data = response.read()
        for value in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(value)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or "1970" in (morsel["expires"] or ""):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, response.headers, data

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def sign_in(self, email: str, password: str) -> None:
        status, _, body = self.request("GET", "/login")
        token = scan(body.decode()).csrf_token
        if status != 200 or not token:
            raise SystemExit(f"GET /login answered {status} without a CSRF token")
        status, headers, _ = self.request(
            "POST", "/login", form={"email": email, "password": password, "csrf_token": token})
        if status not in (302, 303):
            raise SystemExit(f"signing in as {email} failed: POST /login answered {status}")

    def close(self) -> None:
        self.connection.close()


def sign_in_test_client(client, email: str) -> None:
    page = client.get("/login")
    token = scan(page.get_data(as_text=True)).csrf_token
    response = client.post("/login", data={"email": email, "password": common.BENCH_PASSWORD,
                                           "csrf_token": token})
    if response.status_code not in (302, 303):
        raise SystemExit(f"in-process sign-in as {email} failed ({response.status_code})")


# ----------------------------------------------------------------------------- query counts
def count_queries(subjects: Subjects, poll_override: str | None) -> dict:
    """SQL statements per request, counted in-process against the bench database."""
    from sqlalchemy import event

    from portal import create_app
    from portal.extensions import db

    # The app's own statements: without the live memo (portal.live), which answers repeat
    # requests with none at all.
    app = create_app({**common.app_config(), "LIVE_MEMO": False})
    with app.app_context():
        engine = db.engine
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda conn, cursor, stmt, *args: statements.append(stmt))

    def measure(client, path, headers=None):
        client.get(path, headers=headers)  # first: templates compile, caches fill
        statements.clear()
        response = client.get(path, headers=headers)
        return {"queries": len(statements), "status": response.status_code,
                "etag": response.headers.get("ETag"), "html": response.get_data(as_text=True)}

    results = {}
    try:
        for key, email in (("small", subjects.small_email), ("busiest", subjects.email)):
            client = app.test_client()
            sign_in_test_client(client, email)
            page = measure(client, "/escalations")
            results[f"dashboard_{key}"] = page
            if key != "busiest":
                continue
            url, headers, _ = poll_request(page["html"], "/escalations", "http://localhost",
                                           poll_override)
            fragment = measure(client, url, headers)
            results["fragment"] = fragment
            if fragment["etag"]:
                results["poll"] = measure(client, url, {**headers,
                                                        "If-None-Match": fragment["etag"]})
            results["escalation"] = measure(client, f"/escalations/{subjects.reference}")
    finally:
        with app.app_context():
            db.engine.dispose()
    for result in results.values():
        result.pop("html")
    return results


# ---------------------------------------------------------------------------------- gunicorn
class Server:
    """gunicorn serving bench/serve.py on a free loopback port; stopped on exit."""

    def __init__(self, workers: int, threads: int, worker_class: str = "gthread"):
        self.port = common.free_port()
        self.workers, self.threads, self.worker_class = workers, threads, worker_class
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115  (closed in __exit__)
            "w+", prefix="bench-gunicorn-", suffix=".log")
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def gunicorn_flags(self) -> list[str]:
        """The same flags for every app the bench serves (bench/pages.py serves two)."""
        flags = ["--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
                 "--worker-class", self.worker_class]
        if self.worker_class == "gthread":
            flags += ["--threads", str(self.threads)]
        return flags + ["--log-level", "warning", "--graceful-timeout", "5"]

    def command(self) -> list[str]:
        return [sys.executable, "-m", "gunicorn", "serve:app", *self.gunicorn_flags(),
                "--chdir", str(common.BENCH_DIR)]

    def environment(self) -> dict[str, str]:
        return common.app_environment()

    def __enter__(self) -> Server:
        self.process = subprocess.Popen(self.command(), env=self.environment(), stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.process.returncode}):\n{self.tail()}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/bare")
                if connection.getresponse().status == 200:
                    connection.close()
                    return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise SystemExit(f"gunicorn did not answer on {self.base} within 60 s:\n{self.tail()}")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the master stops its workers
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # our own process group only
                self.process.wait()
        self.log.close()

    def cpu_seconds(self) -> float:
        """CPU time used so far by the master and its workers (Linux /proc; 0 elsewhere)."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        try:
            for entry in os.scandir("/proc"):
                if not entry.name.isdigit():
                    continue
                try:
                    with open(f"/proc/{entry.name}/stat") as handle:
                        fields = handle.read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                pid, ppid = int(entry.name), int(fields[1])
                if self.process and self.process.pid in (pid, ppid):
                    total += int(fields[11]) + int(fields[12])  # utime + stime
        except OSError:
            return 0.0
        return total / tick

    def settle(self, limit: float = 180.0) -> float:
        """Wait until the server is idle: when wrk stops at the deadline, requests it gave up
        on still run to the end, and must not eat into the next measurement."""
        started = time.monotonic()
        previous = self.cpu_seconds()
        while time.monotonic() - started < limit:
            time.sleep(0.5)
            current = self.cpu_seconds()
            if current - previous < 0.05:  # under 10 % of one core
                break
            previous = current
        return time.monotonic() - started

    def tail(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return "".join(self.log.readlines()[-30:])


# ------------------------------------------------------------------------------------- wrk
@dataclass
class Measurement:
    label: str
    path: str
    expected_status: int
    requests: int = 0
    seconds: float = 0.0
    rps: float = 0.0
    p50_ms: float = 0.0
    p90_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    bytes_per_response: float = 0.0
    statuses: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)
    settle_seconds: float = 0.0
    follow_etag: bool = False

    @property
    def as_expected(self) -> bool:
        if not self.requests or any(self.errors.values()):
            return False
        if self.follow_etag:  # a full answer at each minute's turn, 304 otherwise
            return set(self.statuses) <= {"200", "304"} and \
                self.statuses.get("304", 0) >= POLL_304_SHARE * self.requests
        return set(self.statuses) == {str(self.expected_status)}


def run_wrk(base: str, path: str, headers: dict, *, seconds: float, connections: int,
            threads: int, follow_etag: bool = False) -> dict:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "120s",
               "-s", str(common.BENCH_DIR / "report.lua")]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(base + path)
    if follow_etag:
        command += ["--", "follow-etag"]
    done = subprocess.run(command, capture_output=True, text=True,
                          timeout=seconds + 180)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line.removeprefix("BENCH_JSON "))
    raise SystemExit(f"wrk gave no figures ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def measure(label: str, server: Server, path: str, headers: dict, expected: int,
            args) -> Measurement:
    follow = expected == 304
    load = dict(connections=args.connections, threads=args.wrk_threads, follow_etag=follow)
    waited = server.settle()
    if args.warmup > 0:
        run_wrk(server.base, path, headers, seconds=args.warmup, **load)
        waited += server.settle()
    figures = run_wrk(server.base, path, headers, seconds=args.seconds, **load)
    seconds = figures["duration_us"] / 1e6
    latency = figures["latency_us"]
    requests = figures["requests"]
    result = Measurement(
        label=label, path=path, expected_status=expected, requests=requests, seconds=seconds,
        rps=requests / seconds if seconds else 0.0,
        p50_ms=latency["p50"] / 1000, p90_ms=latency["p90"] / 1000,
        p99_ms=latency["p99"] / 1000, max_ms=latency["max"] / 1000,
        bytes_per_response=figures["bytes"] / requests if requests else 0.0,
        statuses=figures["statuses"], errors=figures["errors"], settle_seconds=waited,
        follow_etag=follow,
    )
    print(f"  {label:<34} {result.rps:9.1f} req/s  p50 {result.p50_ms:8.1f} ms  "
          f"p99 {result.p99_ms:8.1f} ms  {_statuses(result)}"
          f"{f'  (waited {waited:.0f} s for the server to go idle first)' if waited > 1 else ''}",
          flush=True)
    return result


def _statuses(m: Measurement) -> str:
    text = ", ".join(f"{code}×{n}" for code, n in sorted(m.statuses.items())) or "no response"
    errors = {k: v for k, v in m.errors.items() if v}
    if errors:
        text += " errors " + ", ".join(f"{k} {v}" for k, v in errors.items())
    return text


# ---------------------------------------------------------------------------------- the run
def probe(server: Server, subjects: Subjects, args) -> dict:
    """Sign in over HTTP, load each page once, find the poll and its ETag."""
    client = Client(server.port)
    try:
        client.sign_in(subjects.email, common.BENCH_PASSWORD)
        status, _, page = client.request("GET", "/escalations")
        if status != 200:
            raise SystemExit(f"the dashboard answered {status} for a signed-in customer")
        html = page.decode()
        poll_url, poll_headers, how = poll_request(html, "/escalations", server.base,
                                                   args.poll_url)
        status, headers, fragment = client.request("GET", poll_url, headers=poll_headers)
        etag = headers.get("ETag")
        revalidated = None
        if etag:
            revalidated, _, _ = client.request(
                "GET", poll_url, headers={**poll_headers, "If-None-Match": etag})
        page_status, _, escalation = client.request("GET", f"/escalations/{subjects.reference}")
        return {
            "cookie": client.cookie_header(), "page_bytes": len(page),
            "poll_url": poll_url, "poll_headers": poll_headers, "poll_found": how,
            "fragment_status": status, "fragment_bytes": len(fragment), "etag": etag,
            "revalidated_status": revalidated, "escalation_status": page_status,
            "escalation_bytes": len(escalation),
        }
    finally:
        client.close()


def run(args) -> dict:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk (Debian) or brew install wrk")
    started = datetime.now(UTC)
    seed_large.ensure_seeded(reseed=args.reseed)
    subjects = pick_subjects()
    print(f"\nsigned in as {subjects.email} ({subjects.organization}: "
          f"{subjects.open_escalations} open escalations); escalation page "
          f"{subjects.reference} ({subjects.reference_visible_updates} customer-visible of "
          f"{subjects.reference_updates} updates)")
    print("counting SQL queries per request in-process…", flush=True)
    queries = count_queries(subjects, args.poll_url)
    load_before = os.getloadavg()

    with Server(args.workers, args.threads) as server:
        seen = probe(server, subjects, args)
        auth = {"User-Agent": USER_AGENT, "Cookie": seen["cookie"]}
        poll_headers = dict(seen["poll_headers"])
        if seen["etag"]:
            poll_headers["If-None-Match"] = seen["etag"]
            poll_label, poll_expected = "unchanged poll (If-None-Match)", 304
        else:
            poll_label, poll_expected = "poll (no ETag: full fragment)", 200
        bare = ("bare", "bare Flask JSON", "/bare", {"User-Agent": USER_AGENT}, 200)
        pages = [
            ("dashboard", "dashboard page /escalations", "/escalations", auth, 200),
            # The same page rendered on every request: a hard reload (Cache-Control: no-cache)
            # is never answered from the live memo (no goal; what a miss costs).
            ("rendered", "dashboard page, rendered (no-cache)", "/escalations",
             {**auth, "Cache-Control": "no-cache"}, 200),
            ("poll", poll_label, seen["poll_url"], {**auth, **poll_headers}, poll_expected),
            ("escalation", f"escalation page {subjects.reference}",
             f"/escalations/{subjects.reference}", auth, 200),
            # The app's fixed cost of any signed-in request (session, user, tenancy, headers):
            # `/` loads the user and redirects to the dashboard. Context for the poll's ratio.
            ("floor", "signed-in floor: GET / → 302", "/", auth, 302),
        ]
        # bare, pages, bare, pages, …, bare: every round sits between two bare measurements,
        # so a ratio compares figures taken minutes apart at most.
        plan = [bare] + (pages + [bare]) * args.rounds
        print(f"\nload: wrk {args.wrk_threads} thread(s), {args.connections} connections, "
              f"{args.seconds:g} s each after {args.warmup:g} s warm-up, {args.rounds} "
              f"round(s), on {server.base}", flush=True)
        results: dict[str, list[Measurement]] = {}
        for key, label, path, headers, expected in plan:
            results.setdefault(key, []).append(
                measure(label, server, path, headers, expected, args))
    return {"started": started.isoformat(timespec="seconds"), "code": common.git_state(),
            "subjects": asdict(subjects),
            "probe": {k: v for k, v in seen.items() if k != "cookie"},
            "queries": queries,
            "results": {k: [asdict(m) | {"as_expected": m.as_expected} for m in runs]
                        for k, runs in results.items()},
            "load_average": {"before": load_before, "after": os.getloadavg()},
            "settings": {"seconds": args.seconds, "warmup": args.warmup, "rounds": args.rounds,
                         "connections": args.connections, "workers": args.workers,
                         "threads": args.threads, "wrk_threads": args.wrk_threads,
                         "cpus": os.cpu_count(), "python": platform.python_version()}}


def ratios(results: dict, key: str) -> list[float]:
    """Per round: the page's throughput over the mean of the bare runs around it."""
    bare = [m["rps"] for m in results["bare"]]
    out = []
    for i, m in enumerate(results[key]):
        floor = (bare[i] + bare[i + 1]) / 2
        out.append(m["rps"] / floor if floor else 0.0)
    return out


def report(outcome: dict) -> None:
    results, queries, subjects = outcome["results"], outcome["queries"], outcome["subjects"]
    probe_, s = outcome["probe"], outcome["settings"]
    line = "─" * 100
    print(f"\n{line}\nClearpath customer dashboard benchmark · {outcome['started']} · code "
          f"{outcome['code']}")
    print(f"data: {seed_large.SEED_TAG}; customer {subjects['email']} "
          f"({subjects['open_escalations']} open escalations)")
    before, after = outcome["load_average"]["before"][0], outcome["load_average"]["after"][0]
    print(f"server: gunicorn {s['workers']} workers × {s['threads']} threads (gthread); wrk "
          f"{s['connections']} connections, {s['seconds']:g} s per measurement, "
          f"{s['rounds']} round(s); {s['cpus']} CPUs shared by server, PostgreSQL and wrk "
          f"(1-min load average {before:.1f} before, {after:.1f} after)")
    rounds = f" (median of {s['rounds']})" if s["rounds"] > 1 else ""
    print(f"{line}\n{'measurement' + rounds:<40}{'status':>8}{'responses':>11}{'req/s':>10}"
          f"{'p50 ms':>10}{'p99 ms':>10}{'KiB/resp':>10}")
    for key in ("bare", "dashboard", "rendered", "poll", "escalation", "floor"):
        runs = results[key]
        label = runs[0]["label"] + (f" ×{len(runs)}" if key == "bare" else "")
        statuses = ",".join(sorted({code for m in runs for code in m["statuses"]})) or "-"
        responses = sum(m["requests"] for m in runs)
        flags = []
        if not all(m["as_expected"] for m in runs):
            flags.append(f"expected 304 in ≥ {POLL_304_SHARE:.0%}" if runs[0]["follow_etag"]
                         else f"expected {runs[0]['expected_status']} only")
        if min(m["requests"] for m in runs) < MIN_SAMPLES:
            flags.append("few samples: raise --seconds")
        if responses:
            figures = (f"{median(m['rps'] for m in runs):>10.1f}"
                       f"{median(m['p50_ms'] for m in runs):>10.1f}"
                       f"{median(m['p99_ms'] for m in runs):>10.1f}"
                       f"{median(m['bytes_per_response'] for m in runs) / 1024:>10.1f}")
        else:
            figures = f"{0:>10.1f}{'-':>10}{'-':>10}{'-':>10}"
        print(f"{label:<40}{statuses:>8}{responses:>11}{figures}"
              f"{'  ← ' + '; '.join(flags) if flags else ''}")
    if results["poll"][0]["follow_etag"]:
        counts = {code: sum(m["statuses"].get(code, 0) for m in results["poll"])
                  for code in ("304", "200")}
        print(f"  (unchanged poll: 304×{counts['304']}, 200×{counts['200']}; the ETag includes "
              "the current minute, so each connection gets one full answer per minute and "
              "follows its new ETag, as a polling browser does)")
    bare_all = ", ".join(f"{m['rps']:.0f}" for m in results["bare"])
    print(f"{line}\nthroughput ratios against the bare endpoint in the same round "
          f"(bare runs: {bare_all} req/s)")
    for key, name in (("dashboard", "dashboard / bare"), ("poll", "304 poll / bare"),
                      ("rendered", "rendered dashboard / bare"),
                      ("escalation", "escalation page / bare"),
                      ("floor", "signed-in floor / bare")):
        values = ratios(results, key)
        ratio = median(values)
        spread = f"  [{min(values):.4f}–{max(values):.4f}]" if len(values) > 1 else ""
        goal = GOALS.get(key)
        if goal is None:
            verdict = "(no goal)"
        else:
            ok = ratio >= goal and all(m["as_expected"] for m in results[key])
            verdict = f"goal ≥ {goal:.2f}  {'PASS' if ok else 'MISS'}"
        note = ""
        if key == "poll" and not probe_["etag"]:
            note = "  (the fragment has no ETag: nothing to revalidate, so no 304)"
        print(f"  {name:<26}{ratio:>8.4f}{spread}   {verdict}{note}")
    print(f"{line}\nSQL queries per request (in-process, SQLAlchemy before_cursor_execute; "
          "budget: constant, at most 8; the app without its live memo, which answers repeat "
          "requests with none)")
    small, busiest = queries["dashboard_small"], queries["dashboard_busiest"]
    rows = [
        (f"dashboard, {subjects['small_open_escalations']} open escalations", small),
        (f"dashboard, {subjects['open_escalations']} open escalations", busiest),
        ("dashboard fragment (poll, full answer)", queries.get("fragment")),
        ("unchanged poll (If-None-Match)", queries.get("poll")),
        (f"escalation page ({subjects['reference_visible_updates']} visible updates)",
         queries.get("escalation")),
    ]
    for name, q in rows:
        if q is not None:
            print(f"  {name:<50}{q['queries']:>6}   (HTTP {q['status']})")
    constant = small["queries"] == busiest["queries"]
    within = constant and busiest["queries"] <= 8
    print(f"  dashboard: {'constant' if constant else 'GROWS with the rows'} "
          f"({small['queries']} → {busiest['queries']}), "
          f"{'within' if within else 'over'} the budget")
    print(f"poll: GET {probe_['poll_url']} — {probe_['poll_found']}; ETag "
          f"{probe_['etag'] or 'none'}; revalidation answered "
          f"{probe_['revalidated_status'] or '-'}")
    print(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reseed", action="store_true", help="rebuild the bench database")
    parser.add_argument("--seconds", type=float, default=10, help="per measurement (10)")
    parser.add_argument("--warmup", type=float, default=2, help="unrecorded, before each (2)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat the pages between bare runs; medians are reported (1)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (8)")
    parser.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (1)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (4)")
    parser.add_argument("--poll-url", help="the fragment URL, if the page does not say it")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.seconds <= 0:
        parser.error("--rounds must be at least 1 and --seconds positive")
    outcome = run(args)
    report(outcome)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(outcome, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
