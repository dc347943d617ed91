"""The portal's Flask class remembers `ensure_sync`'s answer per function and a request's URL
adapter per environ, and still answers as Flask does; its templates read the Jinja environment's
globals as they are."""

import pytest
from flask import Flask


def test_a_plain_function_is_its_own_sync_version(app):
    def hook():
        return None

    assert app.ensure_sync(hook) is hook and app.ensure_sync(hook) is hook


def test_an_async_function_is_wrapped_as_flask_wraps_it(app):
    async def view():
        return "done"

    try:
        expected = Flask(__name__).ensure_sync(view)
    except RuntimeError:  # Flask's own answer without its async extra: the same refusal
        with pytest.raises(RuntimeError):
            app.ensure_sync(view)
        return
    wrapped = app.ensure_sync(view)
    assert wrapped is not view and wrapped() == expected() == "done"


def test_templates_read_the_environments_globals_as_they_are(app):
    """A template already loaded sees a global added to the environment afterwards (and one
    taken away), as through Jinja's own ChainMap; globals given to one template stay its own."""
    template = app.jinja_env.from_string("{{ added_later is defined }}")
    assert template.render() == "False"
    app.jinja_env.globals["added_later"] = 1
    try:
        assert template.render() == "True"
    finally:
        del app.jinja_env.globals["added_later"]
    assert template.render() == "False"
    own = app.jinja_env.from_string("{{ mine }}|{{ link_to is defined }}", globals={"mine": 7})
    assert own.render() == "7|True" and "mine" not in app.jinja_env.globals


def _adapter_fields(adapter):
    return (adapter.server_name, adapter.script_name, adapter.subdomain, adapter.url_scheme,
            adapter.path_info, adapter.default_method, adapter.query_args, adapter.websocket)


@pytest.mark.parametrize("environ", [
    {"PATH_INFO": "/escalations", "QUERY_STRING": "page=2&q=caf%C3%A9"},
    {"PATH_INFO": "/caf\u00c3\u00a9", "HTTP_HOST": "Portal.Example:8443",
     "wsgi.url_scheme": "https"},
    {"PATH_INFO": "/", "HTTP_HOST": None, "SERVER_NAME": "10.0.0.7", "SERVER_PORT": "80"},
    {"PATH_INFO": "/live", "HTTP_CONNECTION": "keep-alive, Upgrade", "HTTP_UPGRADE": "websocket"},
    {"PATH_INFO": "/login", "REQUEST_METHOD": "POST", "SCRIPT_NAME": "/portal"},
])
def test_a_requests_url_adapter_is_the_one_flask_binds(app, environ):
    """Each request routes and builds URLs exactly as Flask's own adapter would, the first
    time and when it is remembered."""
    from flask import Request
    from werkzeug.test import EnvironBuilder

    base = EnvironBuilder().get_environ()
    for name, value in environ.items():
        if value is None:
            base.pop(name, None)
        else:
            base[name] = value
    theirs = Flask.create_url_adapter(app, Request(dict(base)))
    first = app.create_url_adapter(Request(dict(base)))
    again = app.create_url_adapter(Request(dict(base)))
    assert again is first
    assert _adapter_fields(first) == _adapter_fields(theirs)


def test_an_untrusted_host_is_refused_every_time(app, monkeypatch):
    """With trusted hosts configured, a request to any other host is refused every time."""
    from flask import Request
    from werkzeug.exceptions import SecurityError
    from werkzeug.test import EnvironBuilder

    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", ["portal.example"])
    environ = EnvironBuilder(base_url="http://elsewhere.example/").get_environ()
    for _ in range(2):
        with pytest.raises(SecurityError):
            app.create_url_adapter(Request(dict(environ)))


def test_any_other_routing_is_bound_by_flask_each_time(app, monkeypatch):
    """With a SERVER_NAME (or trusted hosts) Flask binds every request itself."""
    from flask import Request
    from werkzeug.test import EnvironBuilder

    monkeypatch.setitem(app.config, "SERVER_NAME", "portal.example")
    environ = EnvironBuilder(base_url="http://portal.example/").get_environ()
    first = app.create_url_adapter(Request(dict(environ)))
    assert app.create_url_adapter(Request(dict(environ))) is not first


@pytest.mark.parametrize("path", ["/", "/escalations", "/admin/", "/auth/login", "/nowhere",
                                  "/static/app.css"])
def test_a_requests_blueprints_are_flasks(app, path):
    """Hooks see the same blueprint names for every request (matched by a blueprint's rule,
    an app rule or none), and new ones once the matched rule is another."""
    from flask import Request, request

    with app.test_request_context(path):
        assert type(request._get_current_object()) is app.request_class
        expected = Request.blueprints.fget(request._get_current_object())
        assert request.blueprints == expected and request.blueprints == expected
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "admin.home")
        request.url_rule = rule
        assert request.blueprints == ["admin"] == Request.blueprints.fget(request)
        request.url_rule = None
        assert request.blueprints == []


def test_uploaded_files_are_closed_with_the_request(app):
    """Closing a request still closes the files it received (and nothing fails without)."""
    import io

    from flask import request

    with app.test_request_context("/", method="POST",
                                  data={"file": (io.BytesIO(b"x"), "x.txt")}):
        upload = request.files["file"]
        request.close()
        assert upload.stream.closed
    with app.test_request_context("/"):
        request.close()
