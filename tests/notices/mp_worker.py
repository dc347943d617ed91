"""A scheduler + dispatcher as its own OS process, for the multi-process delivery tests and
bench/dispatch.py. Configured like production, through PORTAL_* environment variables.

    python -m tests.notices.mp_worker seed --users 100 --schedules 100
    python -m tests.notices.mp_worker seed-webhooks --url http://127.0.0.1:PORT/hook --count 40
    python -m tests.notices.mp_worker sweep
    python -m tests.notices.mp_worker run [--no-sweep] [--deadline 120]

`seed` makes one organization with N customer users and one open escalation carrying S
one-off scheduled notices due now (N × S notices once swept). `seed-webhooks` queues N
webhook notices, due now, to one staff endpoint at URL. `run` sweeps due schedules and
dispatches batches until every notice is sent or dead, then prints its counts as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from sqlalchemy import func, select


def _app():
    from portal import create_app
    from portal.extensions import db
    from portal.tenancy import Scope, set_scope

    app = create_app()
    context = app.app_context()
    context.push()
    set_scope(db.session(), Scope.unscoped("multi-process delivery worker"))
    return app


def seed(users: int, schedules: int) -> None:
    from portal.accounts.models import Organization, User
    from portal.clock import now
    from portal.enums import Role, Segment
    from portal.extensions import db
    from portal.notices.models import Audience
    from portal.outreach.scheduled import schedule_notice
    from tests import factories

    _app()
    token = os.urandom(4).hex()
    org = Organization(name=f"Load {token}", slug=f"load-{token}", segment=Segment.GROWTH,
                       sla_policy=factories.make_policy(f"Load plan {token}"))
    db.session.add(org)
    db.session.flush()
    agent = User(email=f"agent-{token}@vendor.example.com", name="Load Agent", role=Role.AGENT)
    db.session.add(agent)
    db.session.add_all(User(email=f"reader{n}-{token}@load.example.com", name=f"Reader {n}",
                            role=Role.VIEWER, organization_id=org.id) for n in range(users))
    escalation = factories.make_escalation(org, actor=agent, title="Load test")
    db.session.flush()
    due = now()
    for n in range(schedules):
        schedule_notice(escalation, actor=agent, subject=f"Checkpoint {n} for {{customer_name}}",
                        body="Hello {recipient_name}: still on it.",
                        audience=Audience.EVERYONE, first_send_at=due)
    db.session.commit()
    print(json.dumps({"organization_id": org.id, "escalation_id": escalation.id}))


def seed_webhooks(url: str, count: int) -> None:
    from portal.extensions import db
    from portal.notices import signing
    from portal.notices.models import Channel, Notice, WebhookEndpoint, WebhookKind

    _app()
    endpoint = WebhookEndpoint(name="Slow receiver", url=url, kind=WebhookKind.GENERIC,
                               secret_sealed=signing.seal("lease-test"))
    db.session.add(endpoint)
    db.session.flush()
    token = os.urandom(4).hex()
    db.session.add_all(
        Notice(key=f"lease-{token}:{n}:webhook", event="lease", channel=Channel.WEBHOOK,
               recipient=url, template="webhook",
               context={"endpoint_id": endpoint.id, "payload": {"n": n}})
        for n in range(count))
    db.session.commit()
    print(json.dumps({"endpoint_id": endpoint.id, "queued": count}))


def sweep() -> None:
    from portal.extensions import db
    from portal.outreach.scheduled import queue_due_scheduled_notices

    _app()
    queued = queue_due_scheduled_notices()
    db.session.commit()
    print(json.dumps({"queued": queued}))


def run(sweep: bool, deadline: float) -> None:
    from portal.extensions import db
    from portal.notices.models import Notice, NoticeStatus, ScheduledNotice, ScheduleStatus
    from portal.outreach.dispatch import dispatch_once
    from portal.outreach.scheduled import queue_due_scheduled_notices

    _app()
    totals = {"queued": 0, "claimed": 0, "sent": 0, "retried": 0, "dead": 0, "lost": 0,
              "batches": 0}
    started = time.monotonic()
    while time.monotonic() - started < deadline:
        if sweep:
            totals["queued"] += queue_due_scheduled_notices()
            db.session.commit()
        report = dispatch_once()
        for name in ("claimed", "sent", "retried", "dead", "lost"):
            totals[name] += getattr(report, name, 0)
        totals["batches"] += bool(report.claimed)
        if report.claimed:
            continue
        open_rows = db.session.scalar(select(func.count(Notice.id)).where(
            Notice.status.not_in([NoticeStatus.SENT, NoticeStatus.DEAD])))
        if sweep:
            open_rows += db.session.scalar(select(func.count(ScheduledNotice.id)).where(
                ScheduledNotice.status == ScheduleStatus.ACTIVE))
        db.session.commit()
        if not open_rows:
            break
        time.sleep(0.1)  # rows leased by another dispatcher, or not due yet
    totals["seconds"] = round(time.monotonic() - started, 3)
    print(json.dumps(totals), flush=True)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    seeding = sub.add_parser("seed")
    seeding.add_argument("--users", type=int, required=True)
    seeding.add_argument("--schedules", type=int, required=True)
    webhooks = sub.add_parser("seed-webhooks")
    webhooks.add_argument("--url", required=True)
    webhooks.add_argument("--count", type=int, required=True)
    sub.add_parser("sweep")
    running = sub.add_parser("run")
    running.add_argument("--no-sweep", action="store_true")
    running.add_argument("--deadline", type=float, default=120)
    args = parser.parse_args(argv)
    if args.command == "seed":
        seed(args.users, args.schedules)
    elif args.command == "seed-webhooks":
        seed_webhooks(args.url, args.count)
    elif args.command == "sweep":
        sweep()
    else:
        run(not args.no_sweep, args.deadline)


if __name__ == "__main__":
    main(sys.argv[1:])
