"""API fixtures: tokens issued through the real operation, and a client that sends them."""

from __future__ import annotations

import pytest

from portal.accounts.models import User
from portal.api.tokens import CUSTOMER_SCOPES, STAFF_SCOPES, issue_token
from portal.enums import Role
from portal.extensions import db
from portal.tenancy import Scope, set_scope


@pytest.fixture
def issue(app):
    """`issue(user, scopes=None, **kw)` → the secret of a new token acting as `user`."""

    def make(user, scopes=None, **kwargs) -> str:
        with app.app_context():
            session = db.session()
            set_scope(session, Scope.unscoped("test setup"))
            issuer = session.get(User, user.id)
            allowed = STAFF_SCOPES if issuer.is_staff else CUSTOMER_SCOPES
            _, secret = issue_token(actor=issuer, name=kwargs.pop("name", "test token"),
                                    scopes=list(scopes or allowed), **kwargs)
            session.commit()
        return secret

    return make


class Api:
    """The test client with a bearer token on every request."""

    def __init__(self, client, secret: str):
        self.client, self.secret = client, secret

    def _headers(self, headers):
        return {"Authorization": f"Bearer {self.secret}", **(headers or {})}

    def get(self, path, headers=None, **kw):
        return self.client.get(path, headers=self._headers(headers), **kw)

    def post(self, path, json=None, headers=None, **kw):
        return self.client.post(path, json=json, headers=self._headers(headers), **kw)

    def patch(self, path, json=None, headers=None, **kw):
        return self.client.patch(path, json=json, headers=self._headers(headers), **kw)


@pytest.fixture
def staff_api(client, world, issue):
    return Api(client, issue(world.staff[Role.ADMINISTRATOR]))


@pytest.fixture
def customer_a(client, world, issue):
    return Api(client, issue(world.customers_a[Role.CUSTOMER_ADMIN]))


@pytest.fixture
def customer_b(client, world, issue):
    return Api(client, issue(world.customers_b[Role.CUSTOMER_ADMIN]))
