"""Integrations to send signals as, made through the console's own operations."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from portal.accounts.models import User
from portal.enums import Role
from portal.extensions import db
from portal.signals import operations
from portal.signals.models import AuthMethod, IntegrationKind


@dataclass(frozen=True)
class Sender:
    integration_id: int
    secret: str  # the bearer token or the HMAC secret, as shown once

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.secret}"}


def make_sender(world, *, kind=IntegrationKind.GENERIC, auth=AuthMethod.TOKEN,
                rules: str = "", name: str | None = None) -> Sender:
    admin = db.session.get(User, world.staff[Role.ADMINISTRATOR].id)
    integration, secret = operations.create_integration(
        name=name or f"{kind.value}-{auth.value}-{id(world)}", kind=kind, auth_method=auth,
        actor=admin)
    operations.configure_integration(
        integration, rules_text=rules, default_organization_id=world.org_a.id,
        default_severity=3, default_product_area="Platform", actor=admin)
    return Sender(integration.id, secret)


@pytest.fixture
def sender(world, as_staff):
    """A live generic integration with a bearer token, mapping to Acme by default."""
    with as_staff():
        return make_sender(world)


def alert(key: str = "db-down", status: str = "firing", **fields) -> dict:
    body = {"source": "nagios", "dedupe_key": key, "status": status,
            "title": f"{key} is failing", "severity": "high"}
    body.update(fields)
    return body
from tests.signals.live import alertmanager, live  # noqa: F401,E402  (fixtures)
