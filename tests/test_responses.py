"""The portal's responses send exactly the headers Werkzeug would (portal.responses), in the
same order, for every kind of response whose headers Werkzeug adjusts on the way out."""

import pytest
from flask import Response
from werkzeug.test import EnvironBuilder

from portal.responses import PortalResponse


def _redirect(location):
    response = PortalResponse("moved", status=302)
    response.headers["Location"] = location
    return response


def _twice_located():
    response = _redirect("/first")
    response.headers.add("Location", "/second")
    return response


def _content_located():
    response = PortalResponse("body")
    response.headers["Content-Location"] = "/caf\u00e9 menu"
    return response


def _streamed():
    return PortalResponse(iter([b"a", b"b"]), mimetype="text/plain")


def _not_modified():
    response = PortalResponse("stale body", status=304)
    response.headers["ETag"] = 'W/"x"'
    response.headers["Content-Type"] = "text/html"
    return response


def _no_content():
    return PortalResponse("", status=204)


def _json():
    response = PortalResponse('{"ok": true}', mimetype="application/json")
    response.headers["Vary"] = "Cookie"
    return response


@pytest.mark.parametrize("make", [
    lambda: _redirect("/escalations"),
    lambda: _redirect("/escalations?q=caf\u00e9&page=2"),
    lambda: _redirect("https://example.test/sign in"),
    _twice_located, _content_located, _streamed, _not_modified, _no_content, _json,
])
def test_response_headers_are_werkzeugs(make):
    """Whatever the response, the server receives the headers Werkzeug itself would send."""
    environ = EnvironBuilder(path="/somewhere").get_environ()
    ours, theirs = make(), make()
    assert (ours.get_wsgi_headers(environ).to_wsgi_list()
            == Response.get_wsgi_headers(theirs, environ).to_wsgi_list())


def test_the_responses_own_headers_are_not_changed_on_the_way_out():
    """Sending a response leaves the response's own headers as the view set them."""
    response = _redirect("/caf\u00e9")
    before = response.headers.to_wsgi_list()
    sent = response.get_wsgi_headers(EnvironBuilder().get_environ())
    assert response.headers.to_wsgi_list() == before
    assert sent.get("Location") == "/caf%C3%A9"


REDIRECT_LOCATIONS = ["/escalations", "/auth/login?next=%2Fescalations%2FESC-1",
                      "/caf\u00e9 menu?q=<b>&x=\"1\"", "https://example.com/a b", ""]


def _fields(response):
    fields = dict(response.__dict__)
    fields["headers"] = list(response.headers._list)
    return fields


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("location", REDIRECT_LOCATIONS)
def test_a_remembered_redirect_is_werkzeugs(app, location, code):
    """A redirect made again for the same place is the response Werkzeug makes: same class,
    status, headers, body and fields, and what a browser receives is the same."""
    from flask import redirect
    from werkzeug.utils import redirect as werkzeugs_redirect

    with app.test_request_context("/"):
        first, again = redirect(location, code), redirect(location, code)
        expected = werkzeugs_redirect(location, code, Response=app.response_class)
        environ = EnvironBuilder(path="/").get_environ()
        for response in (first, again):
            assert type(response) is app.response_class
            assert _fields(response) == _fields(expected)
            assert response.get_wsgi_headers(environ).to_wsgi_list() == (
                expected.get_wsgi_headers(environ).to_wsgi_list())
            assert response.get_data() == expected.get_data()


def test_remembered_redirects_do_not_share_what_a_hook_changes(app):
    """Hooks change a response in place (headers, cookies, body): one redirect's changes never
    reach the next redirect to the same place."""
    from flask import redirect

    with app.test_request_context("/"):
        redirect("/escalations")
        changed = redirect("/escalations")
        changed.headers["Vary"] = "Cookie"
        changed.set_cookie("seen", "1")
        changed.set_data(b"other")
        changed.call_on_close(lambda: None)
        fresh = redirect("/escalations")
        assert "Vary" not in fresh.headers and "Set-Cookie" not in fresh.headers
        assert b"Redirecting" in fresh.get_data() and fresh._on_close == []


def test_a_markup_location_is_never_taken_for_a_plain_one(app):
    """A location given as Markup is put in the body as it is (Werkzeug does not escape it
    again): it is not answered with the escaped body remembered for the same text."""
    from flask import redirect
    from markupsafe import Markup
    from werkzeug.utils import redirect as werkzeugs_redirect

    with app.test_request_context("/"):
        redirect("/a?<b>")
        redirect("/a?<b>")
        made = redirect(Markup("/a?<b>"))
        expected = werkzeugs_redirect(Markup("/a?<b>"), 302, Response=app.response_class)
        assert made.get_data() == expected.get_data()


class _ClosableBody:
    def __init__(self, log):
        self.log, self.parts = log, iter([b"a", b"b"])

    def __iter__(self):
        return self

    def __next__(self):
        return next(self.parts)

    def close(self):
        self.log.append("body closed")


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("status", [200, 101, 204, 304, 302])
@pytest.mark.parametrize("body", ["bytes", "closable", "passthrough"])
def test_the_body_iterator_is_werkzeugs(method, status, body):
    """What the server iterates and what closing it does (the body's own close first, then
    the response's close callbacks) are what Werkzeug's get_app_iter gives."""
    from werkzeug.wsgi import ClosingIterator

    outcomes = []
    for cls in (Response, PortalResponse):
        log = []
        content = b"body" if body == "bytes" else _ClosableBody(log)
        response = cls(content, status=status, direct_passthrough=body == "passthrough")
        response.call_on_close(lambda log=log: log.append("response closed"))
        environ = EnvironBuilder(path="/", method=method).get_environ()
        app_iter = response.get_app_iter(environ)
        parts = list(app_iter)
        if hasattr(app_iter, "close"):
            app_iter.close()
        outcomes.append((isinstance(app_iter, ClosingIterator), parts, log))
    assert outcomes[0] == outcomes[1]


class _WerkzeugMade(PortalResponse):
    """PortalResponse through Werkzeug's own constructor (a subclass takes no shortcut)."""


@pytest.mark.parametrize("status", [None, 200, 201, 204, 304, 404, 422, 500, 599, 999,
                                    "200", "418 I'M A TEAPOT", " 299  Custom ", "Only words"])
@pytest.mark.parametrize("body", ["", "<p>page</p>", "caf\u00e9 \u2603 " * 50, "a\r\nb\x00"])
def test_a_pages_response_is_what_werkzeugs_constructor_makes(status, body):
    """A rendered page (a str, with or without a status) is the response Werkzeug makes:
    the same fields, headers, status and body bytes, and it goes out the same way."""
    ours, theirs = PortalResponse(body, status), _WerkzeugMade(body, status)
    assert "_plain_body" not in _WerkzeugMade.__dict__
    assert ours.__dict__.keys() == theirs.__dict__.keys()
    assert {k: v for k, v in ours.__dict__.items() if k != "headers"} == {
        k: v for k, v in theirs.__dict__.items() if k != "headers"}
    assert ours.headers._list == theirs.headers._list
    assert type(ours.headers) is type(theirs.headers)
    again = PortalResponse(body, status)  # a remembered status: its own mutable fields
    assert again.__dict__ == ours.__dict__ and again.headers._list is not ours.headers._list
    assert again._on_close is not ours._on_close and again.response is not ours.response
    environ = EnvironBuilder().get_environ()
    assert ours.get_wsgi_headers(environ) == theirs.get_wsgi_headers(environ)


@pytest.mark.parametrize("kwargs", [{"headers": {"X-A": "1"}}, {"mimetype": "text/plain"},
                                    {"content_type": "application/json"},
                                    {"direct_passthrough": True}, {"status": 201.0}])
def test_anything_else_is_made_by_werkzeug(kwargs):
    """Bytes, headers, another type or an unusual status: Werkzeug's constructor, unchanged."""
    for body in ("text", b"bytes"):
        try:
            theirs = _WerkzeugMade(body, **kwargs)
        except AttributeError:  # Werkzeug refuses a float status: so does the portal
            with pytest.raises(AttributeError):
                PortalResponse(body, **kwargs)
            continue
        ours = PortalResponse(body, **kwargs)
        assert ours.__dict__.keys() == theirs.__dict__.keys()
        assert ours.headers._list == theirs.headers._list and ours.status == theirs.status
