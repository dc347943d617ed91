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
    from portal.accounts.operations import AccountError, create_staff_user
    from portal.enums import Role

    _unscoped("CLI: create-admin")
    try:
        user = create_staff_user(email=email, name=name, password=password,
                                 role=Role.ADMINISTRATOR, actor=None)
    except AccountError as exc:
        raise click.UsageError(str(exc)) from exc
    db.session.commit()
    click.echo(f"Administrator {user.email} created.")


@click.group("scheduler")
def scheduler_group() -> None:
    """The scheduler process (one per deployment, never inside gunicorn workers)."""


@scheduler_group.command("run")
@with_appcontext
def scheduler_run() -> None:
    """Run the periodic jobs in the foreground until interrupted."""
    from flask import current_app

    from portal.scheduler import run_blocking

    run_blocking(current_app._get_current_object())


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
    start_background(app)
    click.echo(f"Clearpath demo on http://{host}:{port}/ (scheduler running in-process)")
    run_simple(host, port, app, threaded=True, use_reloader=False)


def init_app(app: Flask) -> None:
    app.cli.add_command(serve_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(scheduler_group)
