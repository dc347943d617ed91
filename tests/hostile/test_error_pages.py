"""Every error page is the portal's own, with every security header, even after a failed query."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import abort, g

from portal import create_app
from portal.config import TestConfig, settings_of
from portal.enums import Role
from portal.extensions import db
from tests.conftest import AuthActions

CODES = [400, 403, 404, 405, 410, 413, 422, 429, 500]


@pytest.fixture
def deployed_app(app, database_url):
    """The portal as deployed (exceptions answered by the 500 handler), plus routes that fail.

    It shares the test's rolled-back transaction through `db.session` (see conftest)."""
    failing = create_app(settings_of(TestConfig, DATABASE_URL=database_url,
                                     PROPAGATE_EXCEPTIONS=False))

    @failing.route("/test/abort/<int:code>")
    def abort_with(code):
        abort(code)

    @failing.route("/test/failed-query")
    def failed_query():
        # PostgreSQL now refuses every statement until the transaction is rolled back.
        db.session.execute(sa.text("SELECT * FROM no_such_table"))
        return "unreachable"

    @failing.route("/test/broken-layout")
    def broken_layout():
        g.break_layout = True
        raise RuntimeError("the view broke, and so will the layout")

    @failing.context_processor
    def layout_that_breaks():
        if g.get("break_layout"):
            raise RuntimeError("the layout broke too")
        return {}

    yield failing
    with failing.app_context():
        db.engine.dispose()


def signed_in(app, world):
    client = app.test_client()
    AuthActions(client).login(world.staff[Role.ADMINISTRATOR].email)
    return client


def assert_portal_page(response, code):
    assert response.status_code == code
    assert response.mimetype == "text/html"
    assert f"Error {code}" in response.get_data(as_text=True)
    headers = response.headers
    assert "'nonce-" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cache-Control"] == "no-store"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize("code", CODES)
def test_every_error_code_answers_with_the_portal_page_and_its_headers(deployed_app, world, code):
    """Each error a person can meet is the portal's own page, with CSP, nosniff, frame and cache
    headers."""
    client = signed_in(deployed_app, world)
    response = client.get(f"/test/abort/{code}")
    assert_portal_page(response, code)
    assert "Staff console" in response.get_data(as_text=True)  # the full layout, signed in


def test_a_wrong_method_answers_405_with_allow_and_the_headers(deployed_app, world):
    """POST to a read-only page: 405, the methods it takes, the portal page."""
    response = signed_in(deployed_app, world).post("/admin/audit")
    assert_portal_page(response, 405)
    assert "GET" in response.headers["Allow"]


def test_an_exception_after_a_failed_query_answers_the_full_500_page(deployed_app, world):
    """A view whose query failed (PostgreSQL then refuses every statement) still gets the
    portal's 500 page with the signed-in layout: the handler rolled back before rendering."""
    client = signed_in(deployed_app, world)
    response = client.get("/test/failed-query")
    assert_portal_page(response, 500)
    assert "Staff console" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 200  # and the next request is served normally


def test_when_the_layout_itself_fails_a_plain_page_keeps_the_headers(deployed_app, world):
    """If even the layout cannot render, the plain error page answers, headers and all."""
    response = signed_in(deployed_app, world).get("/test/broken-layout")
    assert_portal_page(response, 500)
    assert "Staff console" not in response.get_data(as_text=True)


def test_a_huge_id_in_a_route_answers_404_not_a_query(client, auth, world):
    """An id no column can hold matches no route: 404, never an out-of-range query."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    assert client.get("/admin/escalations/99999999999999999999").status_code == 404
    assert client.get("/admin/escalations/2147483648").status_code == 404
    auth.logout("/admin/")
    auth.login(world.customers_a[Role.VIEWER].email)
    assert client.get("/escalations/ESC-99999999999999999999").status_code == 404
    assert client.get("/escalations/ESC-" + "9" * 5000).status_code == 404
    assert client.get("/history?page=99999999999999999999").status_code == 404
    assert client.get("/history?page=abc").status_code == 404
    assert client.get("/escalations?q=99999999999999999999").status_code in (200, 422)
    assert client.get("/escalations?q=a%00b").status_code == 422
