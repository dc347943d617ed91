"""Post-resolution report benchmark: figures, never assertions (see bench/README.md).

Builds its own throw-away SQLite database (a temporary folder) through the real operations:
one resolved escalation with a 60-event customer timeline and a published review, and 200
escalations in one quarter for the organization summary. Then, in one run, it times:

  trivial       WeasyPrint rendering a one-paragraph page (the machine's yardstick)
  weasyprint    WeasyPrint alone on the report's finished HTML (same fetcher, in process)
  cold          a download through the app with an empty cache, as a browser makes it: the
                request (access checks, load, templating, the SVG chart, queueing the render
                job: 202 and the progress page), the job run as the scheduler's
                `prepare-reports` runs it (claim, the forked bounded render), one status poll,
                and the download of the file (the audit event)
  cold 202      the first request of that alone: what the web process spends (no render)
  cached        the same download from the cache
  revalidated   the same download with If-None-Match of its ETag (304, still audited)
  staff cached  the console's download of the same version, from the cache (an agent)
  static        send_file of the same PDF bytes (what "as fast as a static file" means)
  summary       the organization summary PDF for 200 escalations, cold (through its job)

Then the cached download's SQL statements (counted), and where its time over the static file
goes: the version query and the audit INSERT + commit, each timed alone in the customer's
scope, and the rest (routing, access check, memo, send_file's attachment headers).

Each figure is the median of --rounds runs. The trivial page, WeasyPrint alone and the cold
download are taken in turn (one of each per round), and so are the four sub-millisecond ones
(--rounds × 40 times), so that a busy moment of the shared machine falls on all of them alike.
Usage: .venv/bin/python bench/reports.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import send_file  # noqa: E402

from portal import create_app  # noqa: E402
from portal.clock import frozen_at  # noqa: E402
from portal.config import TestConfig, settings_of  # noqa: E402
from portal.enums import Role, Status, Visibility  # noqa: E402
from portal.escalations import operations as ops  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.reports import operations as reports  # noqa: E402
from portal.reports import rendering  # noqa: E402
from portal.reports.jobs import prepare_reports  # noqa: E402
from portal.tenancy import Scope, set_scope  # noqa: E402
from tests import factories  # noqa: E402
from tests.querycount import counted_queries  # noqa: E402

TRIVIAL = "<!DOCTYPE html><html lang=\"en\"><body><p>Hello.</p></body></html>"
STATUS_URL = re.compile(r'data-progress="([^"]+)"')


def _resolve(escalation, actor, at: datetime, minutes: int) -> None:
    with frozen_at(at + timedelta(minutes=5)):
        ops.change_status(escalation, Status.ACKNOWLEDGED, actor=actor)
    with frozen_at(at + timedelta(minutes=15)):
        ops.change_status(escalation, Status.INVESTIGATING, actor=actor)
    with frozen_at(at + timedelta(minutes=minutes)):
        ops.change_status(escalation, Status.RESOLVED, actor=actor,
                          resolution_summary="Fixed the configuration.")


def build(app) -> dict:
    with app.app_context():
        set_scope(db.session(), Scope.unscoped("benchmark setup"))
        manager = factories.make_staff(Role.ESCALATION_MANAGER)
        org = factories.make_organization("Bench Freight", timezone="Europe/Berlin")
        executive = factories.make_customer(org, Role.EXECUTIVE)
        start = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
        with frozen_at(start):
            escalation = factories.make_escalation(org, actor=manager, severity=1,
                                                   title="Tracking portal outage")
        for i in range(60):
            with frozen_at(start + timedelta(minutes=4 * i + 1)):
                ops.post_update(escalation, author=manager, visibility=Visibility.CUSTOMER,
                                body=f"Update {i}: we checked **gateway {i}** and the error "
                                     "rate; next we look at the load balancers and tell you "
                                     "what we find.")
        _resolve(escalation, manager, start, 4 * 60 + 30)
        with frozen_at(start + timedelta(hours=6)):
            review = reports.start_review(escalation, actor=manager)
            reports.save_review(review, actor=manager, values={
                "executive_summary": "The portal was unavailable for four hours. " * 8,
                "root_cause": "An expired intermediate certificate. " * 5,
                "preventive_measures": "- Automated renewal\n- Synthetic checks\n- Alerts"})
            for i in range(5):
                reports.add_action(review, actor=manager, title=f"Action {i}",
                                   owner="Platform team", due_on=None)
            reports.submit_review(review, actor=manager)
            version = reports.publish_review(review, actor=manager, confirmed=True)
        for i in range(199):
            opened = start + timedelta(hours=10 * i + 8)
            with frozen_at(opened):
                other = factories.make_escalation(org, actor=manager, severity=1 + i % 4)
            _resolve(other, manager, opened, 60 + 7 * (i % 50))
        agent = factories.make_staff(Role.AGENT)
        db.session.commit()
        return {"reference": escalation.reference, "version": version.number,
                "version_id": version.id, "executive": executive.email,
                "executive_id": executive.id, "agent": agent.email,
                "escalation_id": escalation.id, "content": version.content,
                "org_id": org.id}


def timed(fn, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def timed_together(fns: dict, rounds: int) -> dict:
    """Medians of `fns` taken in turn, one call each per round: a busy moment of the machine
    (the benchmarks share it) then falls on all of them alike, so their ratios hold."""
    samples = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            started = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in samples.items()}


def sign_in(client, email: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    response = client.post("/login", data={"email": email, "csrf_token": token,
                                           "password": factories.PASSWORD})
    assert response.status_code == 302, response.status_code


def breakdown(app, data: dict, rounds: int) -> dict:
    """The cached download's two database steps, each timed alone in the customer's scope."""
    from types import SimpleNamespace

    from portal.reports import serving

    with app.app_context():
        session = db.session()
        set_scope(session, Scope.organization(data["org_id"]))
        target = serving.find_version(data["escalation_id"], data["version"])
        actor = SimpleNamespace(id=data["executive_id"])

        def audit():
            reports.record_download(actor=actor, kind="review",
                                    organization_id=target.organization_id,
                                    review_id=target.review_id, version=target.number,
                                    reference=target.reference)
            session.commit()

        query = timed(lambda: serving.find_version(data["escalation_id"], data["version"]),
                      rounds)
        audit_and_commit = timed(audit, rounds)
        session.rollback()
    return {"query": query, "audit": audit_and_commit}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="clearpath-bench-reports-"))
    cache = workdir / "cache"
    try:
        app = create_app(settings_of(TestConfig, DATABASE_URL=f"sqlite:///{workdir / 'b.db'}",
                                     REPORT_CACHE_DIR=str(cache)))
        from flask_migrate import upgrade

        with app.app_context():
            upgrade()
        static_copy = workdir / "static.pdf"
        app.add_url_rule("/bench-static", "bench_static",
                         lambda: send_file(static_copy, mimetype="application/pdf"))
        print("building the data (60-event report, 200 escalations)…", flush=True)
        data = build(app)
        client = app.test_client()
        with app.test_request_context():
            html = rendering.review_html(data["content"])
        url = f"/escalations/{data['reference']}/report/v{data['version']}.pdf"
        staff_url = f"/admin/escalations/{data['escalation_id']}/review/v{data['version']}.pdf"
        sign_in(client, data["executive"])
        staff_client = app.test_client()
        sign_in(staff_client, data["agent"])

        def empty_cache():
            shutil.rmtree(cache, ignore_errors=True)
            rendering._MEMO.clear()

        def run_jobs():
            with app.app_context():
                set_scope(db.session(), Scope.unscoped("benchmark: render jobs"))
                prepare_reports()
                db.session.commit()

        first_answers = []  # the cold request alone: its 202 and the progress page

        def through_the_job(path: str):
            """A cold download as a browser makes it: 202, the job, a poll, the file."""
            started = time.perf_counter()
            waiting = client.get(path)
            first_answers.append(time.perf_counter() - started)
            assert waiting.status_code == 202, waiting.status_code
            status_url = STATUS_URL.search(waiting.get_data(as_text=True))[1]
            run_jobs()
            status = client.get(status_url, headers={"Accept": "application/json"}).get_json()
            response = client.get(status["ready_url"])
            assert response.status_code == 200, response.status_code

        def cold():
            empty_cache()
            through_the_job(url)

        def cached():
            response = client.get(url)
            assert response.status_code == 200
            response.close()

        def revalidated():
            response = client.get(url, headers={"If-None-Match": etag})
            assert response.status_code == 304, response.status_code

        def staff_cached():
            response = staff_client.get(staff_url)
            assert response.status_code == 200, response.status_code

        def summary():
            empty_cache()
            through_the_job("/reports/summary.pdf?period=2026-Q3")

        cold()  # warm imports, fonts and the template cache once, unrecorded
        pdf = next(cache.glob("*.pdf"))
        shutil.copy(pdf, static_copy)
        etag = client.get(url).headers["ETag"]
        with counted_queries(app) as statements:
            cached()

        def static():
            response = client.get("/bench-static")
            response.close()

        figures = {
            # In turn, one of each per round: the ratio of the cold download to WeasyPrint
            # alone is the goal, and a busy moment must fall on both alike.
            **timed_together({
                "trivial": lambda: rendering.write_pdf(TRIVIAL, str(workdir / "t.pdf")),
                "weasyprint": lambda: rendering.write_pdf(html, str(workdir / "w.pdf")),
                "cold": cold}, args.rounds),
            "cold 202": statistics.median(first_answers[1:]),
            **timed_together({"cached": cached, "revalidated": revalidated,
                              "staff cached": staff_cached, "static": static},
                             args.rounds * 40),
            "summary": timed(summary, args.rounds),
        }
        parts = breakdown(app, data, args.rounds * 20)
        from pypdf import PdfReader

        pages = len(PdfReader(static_copy).pages)
        print(f"\n60-event report ({len(html) // 1024} kB HTML, "
              f"{static_copy.stat().st_size // 1024} kB PDF, {pages} pages); medians of "
              f"{args.rounds} runs\n")
        trivial = figures["trivial"]
        for name, seconds in figures.items():
            print(f"  {name:<13} {seconds * 1000:8.1f} ms   {seconds / trivial:6.2f}× trivial")
        print(f"\n  cold via the job / WeasyPrint alone on the same HTML: "
              f"{figures['cold'] / figures['weasyprint']:.2f}× (goal ≤ 1.2×, issue 16; < 1 s: "
              f"{'yes' if figures['cold'] < 1 else 'no'})")
        print(f"  cold 202 (the web request, no render) / WeasyPrint alone: "
              f"{figures['cold 202'] / figures['weasyprint']:.2f}×")
        print(f"  cached / static file:                     "
              f"{figures['cached'] / figures['static']:.2f}×   (goal ≤ 1.2×)")
        print(f"  cached download, SQL statements:          {len(statements)} "
              f"({', '.join(s.split(None, 1)[0] for s in statements)})")
        over = figures["cached"] - figures["static"]
        print(f"  cached − static: {over * 1000:.2f} ms = version query "
              f"{parts['query'] * 1000:.2f} + audit INSERT and commit "
              f"{parts['audit'] * 1000:.2f} + the rest "
              f"{(over - parts['query'] - parts['audit']) * 1000:.2f} ms")
        print(f"  summary, 200 escalations:                 {figures['summary'] * 1000:.0f} ms"
              "   (goal < 2 s, issue 16)")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
