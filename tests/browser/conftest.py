"""Browser fixtures: a live server on its own database, and a headless Chromium.

The suite's `app` runs every test inside one rolled-back transaction, which a server thread
cannot share safely; so the browser gets a separate app on its own migrated SQLite file,
seeded once per module and served on a loopback port. Browser tests must not request `app`
(the autouse `_isolated` fixture would swap `db.session` under the server's feet).

Chromium (the session's `browser`) comes from tests/conftest.py, shared with tests/deployed/.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask_migrate import upgrade
from jinja2 import StrictUndefined
from werkzeug.serving import make_server

from portal import create_app
from portal.config import TestConfig, settings_of
from portal.enums import Role
from portal.extensions import db
from portal.tenancy import Scope, set_scope
from tests import factories
from tests.conftest import BROWSER_TIMEOUT_MS as TIMEOUT_MS
from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: F401 (used by name elsewhere)


@dataclass(frozen=True)
class Seeded:
    """What the browser tests need to know about the seeded world, as plain values."""

    viewer_email: str
    organization: str
    reference: str
    foreign_reference: str
    staff_email: str


@pytest.fixture(scope="module")
def browser_app(request, tmp_path_factory) -> Iterator[tuple[Flask, Seeded]]:
    """A migrated, seeded app of its own: the same test settings as the suite's `app`. A
    module that watches live pages sets `POLL_INTERVAL_SECONDS` (1: changes show quickly); a
    module's `APP_SETTINGS` (a dict) sets any other setting."""
    path = tmp_path_factory.mktemp("browser") / "browser.sqlite3"
    overrides = {"DATABASE_URL": f"sqlite:///{path}"}
    if hasattr(request.module, "POLL_INTERVAL_SECONDS"):
        overrides["POLL_INTERVAL_SECONDS"] = request.module.POLL_INTERVAL_SECONDS
    overrides.update(getattr(request.module, "APP_SETTINGS", {}))  # a module's own settings
    app = create_app(settings_of(TestConfig, **overrides))
    app.jinja_env.undefined = StrictUndefined
    with app.app_context():
        upgrade()
        session = db.session()
        set_scope(session, Scope.unscoped("browser test setup"))
        world = factories.build_world()
        session.commit()
        seeded = Seeded(
            viewer_email=world.customers_a[Role.VIEWER].email,
            organization=world.org_a.name,
            reference=world.escalation_a.reference,
            foreign_reference=world.escalation_b.reference,
            staff_email=world.staff[Role.ESCALATION_MANAGER].email,
        )
    yield app, seeded
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def seeded(browser_app) -> Seeded:
    return browser_app[1]


def _read_whole(file, buffer_size: int = 8192) -> list[bytes]:
    with file:
        return [file.read()]


def _files_read_whole(app: Flask):
    """Werkzeug's development server can leave a sent file open when the browser drops the
    connection mid-response (its drain of the socket raises before it closes the response);
    the collector's ResourceWarning then fails whichever test runs at that moment. The files
    served here are small: each is read whole and closed before the response starts."""

    def wsgi(environ, start_response):
        environ["wsgi.file_wrapper"] = _read_whole
        return app(environ, start_response)

    return wsgi


@pytest.fixture(scope="module")
def live_server(browser_app) -> Iterator[str]:
    """The browser app served on a free loopback port; yields its base URL."""
    app, _ = browser_app
    server = make_server("127.0.0.1", 0, _files_read_whole(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="browser-live-server",
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) on the live server, closed after the test."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def page_errors(page) -> list[str]:
    """Console errors and uncaught exceptions on `page` (CSP violations land here too)."""
    errors: list[str] = []

    def on_console(message) -> None:
        if message.type == "error":
            errors.append(f"console: {message.text} ({message.location.get('url')})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    return errors
