"""Flask-Limiter's hooks run only where a limit can apply (portal.rate_limits), and every limit
still holds: a blueprint's, a view's own, and default limits on any route."""

import pytest
from flask import Blueprint, Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from portal import rate_limits


def _app(**limiter_options) -> Flask:
    app = Flask(__name__)
    app.config.update(RATELIMIT_STORAGE_URI="memory://", RATELIMIT_HEADERS_ENABLED=True)
    limiter = Limiter(key_func=get_remote_address, **limiter_options)
    limited = Blueprint("limited", __name__)

    @limited.get("/limited/thing")
    def thing():
        return "thing"

    limiter.limit("1 per minute")(limited)

    @app.get("/open")
    def open_page():
        return "open"

    @app.get("/decorated")
    @limiter.limit("1 per minute")
    def decorated():
        return "decorated"

    app.register_blueprint(limited)
    limiter.init_app(app)
    rate_limits.init_app(app, limiter)
    return app


def test_a_route_no_limit_names_is_not_checked():
    client = _app().test_client()
    for _ in range(5):
        answer = client.get("/open")
        assert answer.status_code == 200 and "X-RateLimit-Limit" not in answer.headers


@pytest.mark.parametrize("path", ["/limited/thing", "/decorated"])
def test_blueprint_and_view_limits_hold(path):
    client = _app().test_client()
    first = client.get(path)
    assert first.status_code == 200 and first.headers["X-RateLimit-Limit"] == "1"
    assert client.get(path).status_code == 429


def test_default_limits_apply_to_every_route():
    client = _app(default_limits=["2 per minute"]).test_client()
    assert [client.get("/open").status_code for _ in range(3)] == [200, 200, 429]


def test_the_portal_gates_its_limiter(app):
    gated = [hook for hook in app.before_request_funcs[None]
             if getattr(hook, "func", None) is rate_limits._check_where_limited]
    assert len(gated) == 1
