"""Fixtures: one migrated database per run, one rolled-back transaction per test.

The database is SQLite (a file) by default, or PostgreSQL when PORTAL_TEST_DATABASE_URL is
set. With CI=true an unreachable PostgreSQL or a missing Chromium fails the run.
"""

from __future__ import annotations

import os
import re
import socket

import flask_sqlalchemy.session
import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from jinja2 import StrictUndefined

from portal import create_app
from portal.config import TestConfig, settings_of
from portal.extensions import app_context_scope, db, limiter
from portal.tenancy import Scope, set_scope
from tests import factories

IN_CI = os.environ.get("CI", "").lower() == "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Browser waits are on conditions; this bound only says when to give up (generous: CI is a
# shared, sometimes loaded machine).
BROWSER_TIMEOUT_MS = 20_000


def free_port() -> int:
    """A loopback port nobody listens on right now (servers the tests start bind to it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unavailable(reason: str):
    """Skip locally; in CI a missing service is a failure, never a silent skip."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: required)", pytrace=False)
    pytest.skip(reason)


class BoundSession(flask_sqlalchemy.session.Session):
    """Flask-SQLAlchemy picks engines itself and ignores a session's own bind
    (pallets-eco/flask-sqlalchemy#1167); honour it so every test runs in one transaction."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return bind if bind is not None else self.bind


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.begin() as conn:
            # A clean schema each run: the schema is only ever made by migrations.
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    except sa.exc.OperationalError as exc:
        unavailable(f"PostgreSQL at {url} is unreachable: {exc.orig}")
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app(settings_of(TestConfig, DATABASE_URL=database_url))
    app.jinja_env.undefined = StrictUndefined
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _isolated(request):
    """Every test that touches the app runs inside one outer transaction, rolled back after."""
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
    original = db.session
    db.session = db._make_scoped_session(
        {"class_": BoundSession, "bind": connection, "join_transaction_mode": "create_savepoint",
         "scopefunc": app_context_scope}  # scoped as the app's own session is
    )
    limiter.reset()
    try:
        yield
    finally:
        # Sessions were removed as their app contexts ended; only the transaction is left.
        db.session = original
        outer.rollback()
        connection.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def enforced(app, monkeypatch):
    """Production's two-factor rule: administrators and escalation managers (and whoever a
    setting or their organization adds) must have a second factor. TestConfig switches the
    requirement off so that other tests can sign staff in by password; these turn it on."""
    monkeypatch.setitem(app.config, "TWO_FACTOR_ENFORCE_REQUIRED", True)


@pytest.fixture
def staff_session(app):
    """An app context whose session runs unscoped, as staff and jobs do (for setup and checks).

    Requests made while it is pushed would share its `g` and session, so tests that also use
    the client should use `world` (built in its own context) and `as_staff` for checks.
    """
    with app.app_context():
        set_scope(db.session(), Scope.unscoped("test setup"))
        yield db.session


@pytest.fixture
def as_staff(app):
    """`with as_staff() as session:` runs a block unscoped in its own app context, committed."""
    from contextlib import contextmanager

    @contextmanager
    def block():
        with app.app_context():
            session = db.session()
            set_scope(session, Scope.unscoped("test setup"))
            yield session
            session.commit()

    return block


@pytest.fixture
def world(app):
    """Two customer organizations with people and escalations, and a staff team."""
    with app.app_context():
        session = db.session()
        set_scope(session, Scope.unscoped("test setup"))
        built = factories.build_world()
        session.commit()
        for obj in built.objects():
            session.refresh(obj)  # loaded now, readable after the context ends
    return built


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, email: str, password: str = factories.PASSWORD):
        page = self._client.get("/login")
        token = csrf_token_from(page.get_data(as_text=True))
        return self._client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token}
        )

    def csrf_token(self, path: str = "/login") -> str:
        return csrf_token_from(self._client.get(path).get_data(as_text=True))

    def logout(self, path: str):
        token = self.csrf_token(path)
        return self._client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the run, shared by the browser and deployed packages
    (Playwright's sync API runs one instance at a time); each test gets its own context.

    Debian's Chromium, driven by Playwright through `executable_path`; never `playwright
    install`. A missing or unlaunchable Chromium skips locally and fails with CI=true."""
    if not os.access(CHROMIUM, os.X_OK):
        unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import Error, expect, sync_playwright
    except ImportError as exc:
        unavailable(f"Playwright for Python is not installed: {exc}")
    expect.set_options(timeout=BROWSER_TIMEOUT_MS)
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
        except Error as exc:
            unavailable(f"Playwright could not launch {CHROMIUM}: {exc.message.splitlines()[0]}")
        try:
            yield browser
        finally:
            browser.close()
