"""`flask --app wsgi …` commands. Each runs unscoped on purpose and commits once."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from portal.extensions import db
from portal.tenancy import Scope, set_scope


def _unscoped(reason: str) -> None:
    set_scope(db.session(), Scope.unscoped(reason))


@click.command("demo")
@click.option("--reset", is_flag=True, help="Delete the existing demo world first.")
@with_appcontext
def demo_command(reset: bool) -> None:
    """Seed the believable demo world (organizations, people, ~40 escalations)."""
    from portal.demo import seed_demo

    _unscoped("CLI: demo seeding")
    summary = seed_demo(reset=reset)
    db.session.commit()
    click.echo(summary)


@click.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def create_admin_command(email: str, name: str, password: str) -> None:
    """Make a first administrator, interactively or from options."""
    from portal.accounts.operations import create_staff_user
    from portal.enums import Role
    from portal.operations import OperationError

    _unscoped("CLI: create-admin")
    try:
        user = create_staff_user(email=email, name=name, password=password,
                                 role=Role.ADMINISTRATOR, actor=None)
    except OperationError as exc:
        raise click.UsageError(str(exc)) from exc
    db.session.commit()
    click.echo(f"Administrator {user.email} created.")


@click.group("scheduler")
def scheduler_group() -> None:
    """The scheduler process (one per deployment, never inside gunicorn workers)."""


def _log_to_stderr() -> None:
    """INFO and above from the portal (and the scheduler's warnings) on stderr, so an
    operator sees what the scheduler does: whether it leads or stands by, and each batch."""
    import logging

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO,
                            format="%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # a line per job run


@scheduler_group.command("run")
@with_appcontext
def scheduler_run() -> None:
    """Run the periodic jobs in the foreground until interrupted. A second scheduler of the
    same database stands by, and takes over when the one leading stops."""
    from flask import current_app

    from portal.scheduler import run_blocking

    _log_to_stderr()
    try:
        run_blocking(current_app._get_current_object())
    except KeyboardInterrupt:
        click.echo("scheduler stopped")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@with_appcontext
def serve_command(host: str, port: int) -> None:
    """Serve the portal with the scheduler in the same process (the demo, not production)."""
    from flask import current_app
    from werkzeug.serving import run_simple

    from portal.scheduler import start_background

    app = current_app._get_current_object()
    _log_to_stderr()
    start_background(app)
    click.echo(f"Clearpath demo on http://{host}:{port}/ (scheduler in-process, "
               "unless another scheduler of this database holds the lead)")
    run_simple(host, port, app, threaded=True, use_reloader=False)


@click.group("sla")
def sla_group() -> None:
    """Audit the SLA clocks."""


@sla_group.command("show")
@click.argument("references", nargs=-1)
@click.option("--at", "at_text", help="ISO time to evaluate at (default: now).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@with_appcontext
def sla_show(references: tuple[str, ...], at_text: str | None, as_json: bool) -> None:
    """Print the acknowledge, resolve and next-update clocks of open escalations (or REFs),
    as they stood at --at: the severity in force then, the updates posted by then, the
    resolved and reopened periods as they were then."""
    import json
    from datetime import UTC, datetime

    from sqlalchemy import select

    from portal.clock import now
    from portal.escalations.clocks import clocks_as_of
    from portal.escalations.models import Escalation
    from portal.escalations.queries import open_escalations

    _unscoped("CLI: sla show")
    at = now()
    if at_text:
        try:
            at = datetime.fromisoformat(at_text)
        except ValueError:
            raise click.BadParameter("give an ISO time, like 2026-03-29T10:30:00+00:00",
                                     param_hint="--at") from None
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    if references:
        ids = [Escalation.id_from_reference(ref) for ref in references]
        if None in ids:
            raise click.UsageError("references look like ESC-1042")
        escalations = db.session.scalars(
            select(Escalation).where(Escalation.id.in_(ids)).order_by(Escalation.id)).all()
        missing = set(ids) - {e.id for e in escalations}
        if missing:
            raise click.UsageError(f"no escalation ESC-{min(missing) + 1000}")
    else:
        escalations = db.session.scalars(open_escalations()).all()
    rows = [_clock_row(escalation, clocks_as_of(escalation, at), at) for escalation in escalations]
    if as_json:
        click.echo(json.dumps({"at": at.isoformat(), "escalations": rows}, indent=2))
        return
    for row in rows:
        parts = [f"{name} {c['state']} {c['counted_minutes']}/{c['target_minutes']} min"
                 f" due {c['due_at'] or '—'}" for name, c in row["clocks"].items()]
        nxt = row["next_update"]
        parts.append(f"next update {nxt['state']} {nxt['counted_minutes']}/"
                     f"{nxt['target_minutes']} min due {nxt['due_at']}" if nxt else "next update —")
        click.echo(f"{row['reference']} Sev{row['severity']} {row['status']}: " + "; ".join(parts))


def _next_update_row(escalation, nxt, at) -> dict | None:
    """The next-update clock in the same terms as the others: counted minutes since the last
    customer-visible update (or opening) against the cadence or the commitment."""
    if nxt is None:
        return None
    from datetime import timedelta

    from portal.escalations import sla
    from portal.escalations.clocks import calendar_for, severity_at, targets_of
    from portal.escalations.due import AT_RISK_FRACTION
    from portal.escalations.promises import latest_update

    last = db.session.execute(latest_update(escalation.id, at=at)).first()
    since = last.created_at if last else escalation.opened_at
    calendar = calendar_for(escalation)
    if nxt.basis == "cadence":
        policy = escalation.organization.sla_policy
        target = timedelta(minutes=targets_of(policy, severity_at(escalation, at)).update_minutes)
    else:
        target = sla.business_elapsed(calendar, since, max(since, nxt.due_at))
    counted = sla.business_elapsed(calendar, since, max(since, at))
    state = ("overdue" if nxt.overdue else
             "at_risk" if counted >= target * AT_RISK_FRACTION else "on_track")
    return {"due_at": nxt.due_at.isoformat(), "basis": nxt.basis, "overdue": nxt.overdue,
            "state": state, "target_minutes": round(target.total_seconds() / 60),
            "counted_minutes": round(counted.total_seconds() / 60, 1)}


def _clock_row(escalation, clocks, at) -> dict:
    def clock(c) -> dict:
        return {"state": c.state, "target_minutes": int(c.target.total_seconds() // 60),
                "counted_minutes": round(c.elapsed.total_seconds() / 60, 1),
                "due_at": c.due_at.isoformat() if c.due_at else None,
                "paused_since": c.paused_since.isoformat() if c.paused_since else None}

    nxt = clocks.next_update
    from portal.escalations.clocks import severity_at, status_at

    return {
        "reference": escalation.reference, "severity": severity_at(escalation, at),
        "status": status_at(escalation, at),
        "clocks": {"acknowledge": clock(clocks.acknowledge), "resolve": clock(clocks.resolve)},
        "next_update": _next_update_row(escalation, nxt, at),
    }


def init_app(app: Flask) -> None:
    app.cli.add_command(sla_group)
    app.cli.add_command(serve_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(scheduler_group)
