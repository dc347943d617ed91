"""A signals app that commits for real, served on loopback, and a real Alertmanager.

Like tests/browser, these tests never request the suite's `app` (its rolled-back transaction
cannot be shared with server threads): the app here has its own database, a SQLite file, or
on PostgreSQL (PORTAL_TEST_DATABASE_URL) a schema of its own in the test database, made by
the migrations. It is served by a threaded werkzeug server, so concurrent requests are
handled by concurrent threads with their own sessions and connections.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade
from werkzeug.serving import make_server

from portal import create_app
from portal.accounts.models import User
from portal.config import TestConfig, settings_of
from portal.enums import Role
from portal.extensions import db
from portal.signals import operations
from portal.signals.models import AuthMethod, IntegrationKind
from portal.tenancy import Scope, set_scope
from tests import factories
from tests.conftest import free_port, unavailable
from tests.deployed.stack import Process, wait_until
from tests.pgschema import own_schema

ALERTMANAGER = "/usr/bin/prometheus-alertmanager"


@dataclass(frozen=True)
class Live:
    app: Flask
    url: str  # the app's base URL
    organization_id: int
    alertmanager_token: str
    generic_token: str

    def session(self):
        """An unscoped session in a fresh app context: `with live.session() as session:`."""
        return _checking(self.app)


class _checking:
    def __init__(self, app):
        self.context = app.app_context()

    def __enter__(self):
        self.context.push()
        session = db.session()
        set_scope(session, Scope.unscoped("signals test: checking what happened"))
        return session

    def __exit__(self, *exc):
        db.session.rollback()
        self.context.pop()


@contextmanager
def _database(tmp_path: Path) -> Iterator[tuple[str, dict]]:
    url = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path / 'signals.sqlite3'}", {}
        return
    try:
        with own_schema(url, "signals_live") as schema_url:
            yield schema_url, {"pool_size": 16}
    except sa.exc.OperationalError as exc:
        unavailable(f"PostgreSQL at {url} is unreachable: {exc.orig}")


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Iterator[Live]:
    """The app on its own database with an organization and two integrations, served."""
    with _database(tmp_path_factory.mktemp("signals")) as (url, options):
        yield from _served(url, options)


def _served(url: str, options: dict) -> Iterator[Live]:
    app = create_app(settings_of(TestConfig, DATABASE_URL=url,
                                 SQLALCHEMY_ENGINE_OPTIONS=options))
    with app.app_context():
        upgrade()
        session = db.session()
        set_scope(session, Scope.unscoped("signals test setup"))
        organization = factories.make_organization("Acme Logistics")
        admin = factories.make_staff(Role.ADMINISTRATOR)
        tokens = {}
        for kind in IntegrationKind:
            integration, tokens[kind] = operations.create_integration(
                name=f"Live {kind.value}", kind=kind, auth_method=AuthMethod.TOKEN,
                actor=session.get(User, admin.id))
            operations.configure_integration(
                integration, rules_text="", default_organization_id=organization.id,
                default_severity=2, default_product_area="Platform", actor=admin)
        session.commit()
        organization_id = organization.id
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="signals-live", daemon=True)
    thread.start()
    try:
        yield Live(app, f"http://127.0.0.1:{server.port}", organization_id,
                   tokens[IntegrationKind.ALERTMANAGER], tokens[IntegrationKind.GENERIC])
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


ALERTMANAGER_CONFIG = """\
route:
  receiver: clearpath
  group_by: ['...']   # every alert its own group: one webhook per alert
  group_wait: 200ms
  group_interval: 500ms
  repeat_interval: 1h
receivers:
  - name: clearpath
    webhook_configs:
      - url: {url}/api/v1/signals/alertmanager
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: {token}
"""


@dataclass(frozen=True)
class Alertmanager:
    url: str
    process: Process

    def post_alerts(self, alerts: list[dict]) -> None:
        """Alertmanager's own API, as Prometheus posts to it."""
        response = httpx.post(f"{self.url}/api/v2/alerts", json=alerts, timeout=10)
        assert response.status_code == 200, response.text


@pytest.fixture(scope="module")
def alertmanager(live, tmp_path_factory) -> Iterator[Alertmanager]:
    """Debian's prometheus-alertmanager on a loopback port, its webhook pointed at the app."""
    if not os.access(ALERTMANAGER, os.X_OK):
        unavailable(f"{ALERTMANAGER} is not installed (apt-get install prometheus-alertmanager)")
    workdir = tmp_path_factory.mktemp("alertmanager")
    config = workdir / "alertmanager.yml"
    config.write_text(ALERTMANAGER_CONFIG.format(url=live.url, token=live.alertmanager_token))
    check = shutil.which("amtool") or "/usr/bin/amtool"
    if os.access(check, os.X_OK):
        subprocess.run([check, "check-config", str(config)], check=True, capture_output=True)
    port = free_port()
    process = Process("alertmanager", [
        ALERTMANAGER, f"--config.file={config}", f"--storage.path={workdir / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=",
        "--log.level=debug"], dict(os.environ), workdir)
    url = f"http://127.0.0.1:{port}"

    def ready():
        try:
            return httpx.get(f"{url}/-/ready", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_until(ready, what="Alertmanager to be ready", timeout=30, watch=(process,))
        yield Alertmanager(url, process)
    finally:
        process.stop()
