"""Clearpath: the customer-facing escalation status portal."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from portal.application import PortalFlask
from portal.config import Defaults


def create_app(test_config: Mapping | None = None) -> Flask:
    """Build the application: configuration, database, extensions, security, blueprints."""
    app = PortalFlask(__name__, instance_relative_config=True)
    _load_config(app, test_config)

    from portal import (
        chrome,
        csrf_tokens,
        database,
        errors,
        htmx,
        inputs,
        live,
        rate_limits,
        security,
        templating,
    )
    from portal.auth import preview, remember_cookie, request_scope
    from portal.extensions import csrf, db, limiter, login_manager, migrate
    from portal.extensions import htmx as htmx_ext

    database.init_app(app)
    migrate.init_app(app, db, directory=app.config["MIGRATIONS_DIRECTORY"])
    login_manager.init_app(app)
    remember_cookie.init_app(app, login_manager)  # its hook asked only when it has work
    csrf.init_app(app)
    csrf_tokens.init_app(app)  # a token signed in the last minute is handed out again
    limiter.init_app(app)
    rate_limits.init_app(app, limiter)  # its hooks, asked only where a limit can apply
    htmx_ext.init_app(app)
    security.init_app(app)
    preview.init_app(app)  # the read-only guard and banner of "preview as customer"
    request_scope.init_app(app)
    database.read_without_transactions(app)  # a GET reads in autocommit from its first statement
    htmx.init_app(app)
    templating.init_app(app)
    chrome.init_app(app)
    errors.init_app(app)
    inputs.init_app(app)  # before the blueprints: their <int:> routes use its converter
    _register_blueprints(app)
    _register_cli(app)
    live.init_app(app)  # last: it wraps the finished app's WSGI callable
    return app


def _load_config(app: Flask, test_config: Mapping | None) -> None:
    import os
    from pathlib import Path

    app.config.from_object(Defaults)
    app.config.from_pyfile("portal.cfg", silent=True)
    app.config.from_prefixed_env("PORTAL")
    if test_config is not None:
        app.config.from_mapping(test_config)
    app.config.setdefault(
        "MIGRATIONS_DIRECTORY", str(Path(app.root_path).parent / "migrations")
    )
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path) / "secret_key")


def _instance_secret(path) -> str:
    """A random key kept in instance/ so demo sessions survive restarts."""
    import secrets

    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _register_blueprints(app: Flask) -> None:
    from admin import bp as admin_bp
    from portal import api
    from portal.auth import bp as auth_bp
    from portal.auth import (  # noqa: F401 (routes register on bp)
        invitations,
        profile,
        recovery,
        single_sign_on,
        two_factor,
        views,
    )
    from portal.customer import bp as customer_bp
    from portal.feeds.views import bp as feeds_bp
    from portal.oncall.ack_links import bp as oncall_ack_bp
    from portal.outreach.views import bp as notices_bp
    from portal.signals.views import bp as signals_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(customer_bp)
    app.register_blueprint(notices_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(feeds_bp)
    app.register_blueprint(oncall_ack_bp)
    app.register_blueprint(signals_bp)
    api.init_app(app)  # after request_scope: its bearer-token hook must run before that one


def _register_cli(app: Flask) -> None:
    from portal import cli

    cli.init_app(app)
