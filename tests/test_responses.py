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
