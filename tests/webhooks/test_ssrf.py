"""The server-side request forgery rule, on addresses that need no DNS (IP literals) and on
`localhost`: refused at save, and again at delivery when the URL was stored before."""

from __future__ import annotations

import ipaddress
import json

import pytest
from sqlalchemy import select

from portal.enums import Role
from portal.notices import channels, destinations
from portal.notices.models import Notice, NoticeStatus, WebhookEndpoint
from portal.outreach import dispatch
from portal.webhooks import operations as endpoint_ops


@pytest.fixture
def strict(app, monkeypatch):
    """Production's rule: no host exempt (the suite's default exempts 127.0.0.1)."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_HOSTS", [])


@pytest.mark.parametrize(("url", "reason"), [
    ("https://127.0.0.1/h", "loopback"),
    ("https://127.9.9.9/h", "loopback"),
    ("https://localhost/h", "loopback"),
    ("https://[::1]/h", "loopback"),
    ("https://10.0.0.5/h", "private"),
    ("https://172.16.3.4/h", "private"),
    ("https://192.168.1.1/h", "private"),
    ("https://[fd12:3456::1]/h", "private"),
    ("https://169.254.10.1/h", "link-local"),
    ("https://[fe80::1]/h", "link-local"),
    ("https://100.64.0.1/h", "CGNAT"),
    ("https://224.0.0.1/h", "multicast"),
    ("https://[ff02::1]/h", "multicast"),
    ("https://0.0.0.0/h", "unspecified"),
    ("https://[::]/h", "unspecified"),
    ("https://169.254.169.254/latest/meta-data", "metadata"),
    ("https://[fd00:ec2::254]/latest", "metadata"),
    ("https://[::ffff:127.0.0.1]/h", "loopback"),
    ("https://[::ffff:169.254.169.254]/h", "metadata"),
    ("https://[::ffff:10.1.2.3]/h", "private"),
    ("https://240.0.0.1/h", "reserved"),
    ("http://93.184.215.14/h", "https only"),
    ("https://user:pw@93.184.215.14/h", "user names"),
])
def test_unsafe_destinations_are_refused_with_the_reason(app, strict, url, reason):
    """Each kind of non-public address is refused, and the message names what it is."""
    with app.app_context(), pytest.raises(destinations.UnsafeDestination) as refused:
        destinations.check_url(url)
    assert reason in str(refused.value)


@pytest.mark.parametrize("url", ["https://93.184.215.14/hook", "https://[2606:4700::1]/h",
                                 "https://8.8.8.8:8443/h"])
def test_public_addresses_are_accepted(app, strict, url):
    """Public IPv4 and IPv6 addresses, on any port, may receive webhooks."""
    with app.app_context():
        destinations.check_url(url)


def test_an_allowed_host_may_be_private_and_plain_http(app, monkeypatch):
    """WEBHOOK_ALLOWED_HOSTS exempts exactly the hosts it names."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_HOSTS", ["127.0.0.1"])
    with app.app_context():
        destinations.check_url("http://127.0.0.1:8080/hook")
        with pytest.raises(destinations.UnsafeDestination):
            destinations.check_url("https://127.0.0.2/hook")


def test_a_stored_url_that_became_unsafe_is_refused_at_delivery(
        as_staff, world, app, monkeypatch, webhook_receiver):
    """Saved while allowed, delivered after the rule tightened: not sent, dead, with why."""
    with as_staff() as session:
        admin = session.merge(world.staff[Role.ADMINISTRATOR])
        endpoint, _ = endpoint_ops.create_endpoint(
            world.org_a.id, actor=admin, name="Loopback", url=webhook_receiver.url,
            kind="generic", chosen=["update.note"])
        session.flush()
        endpoint_ops.send_test_event(endpoint, actor=admin)
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_HOSTS", [])
    with as_staff() as session:
        dispatch.dispatch_all()
        [notice] = session.scalars(select(Notice).where(Notice.channel == "webhook"))
        assert notice.status == NoticeStatus.DEAD and "https only" in notice.last_error
    assert webhook_receiver.requests == []


def test_a_redirect_is_not_followed(as_staff, world, webhook_receiver):
    """A 302 from the receiver stops there: one request, the notice dead, the 302 logged."""
    webhook_receiver.script.append(302)
    with as_staff() as session:
        admin = session.merge(world.staff[Role.ADMINISTRATOR])
        endpoint, _ = endpoint_ops.create_endpoint(
            world.org_a.id, actor=admin, name="Redirects", url=webhook_receiver.url,
            kind="generic", chosen=["update.note"])
        session.flush()
        endpoint_ops.send_test_event(endpoint, actor=admin)
    with as_staff() as session:
        dispatch.dispatch_all()
        notice = session.scalar(select(Notice).where(Notice.channel == "webhook"))
        assert (notice.status, notice.response_status) == (NoticeStatus.DEAD, 302)
        assert "redirects are not followed" in notice.last_error
        assert session.scalar(select(WebhookEndpoint.id)) is not None
    assert len(webhook_receiver.requests) == 1


@pytest.mark.parametrize(("url", "address"), [("https://93.184.215.14/hook", "93.184.215.14"),
                                              ("https://[2606:4700::1]/h", "2606:4700::1")])
def test_the_check_gives_the_address_it_vetted(app, strict, url, address):
    with app.app_context():
        assert str(destinations.check_url(url)) == address


def test_an_allowed_host_is_resolved_as_usual(app):
    with app.app_context():
        assert destinations.check_url("http://127.0.0.1:8080/hook") is None


def test_delivery_goes_to_the_vetted_address_not_a_second_lookup(app, webhook_receiver):
    """Rebinding: the request is sent to the address the check returned, with the URL's host
    as Host (and TLS server name), so DNS is not asked again. The host here resolves nowhere:
    had httpx looked it up, the delivery would have failed."""
    port = webhook_receiver.url.split(":")[2].split("/")[0]
    url = f"http://hooks.rebinding.invalid:{port}/hook"
    with app.app_context():
        code = channels.post_webhook("k-1", url, "secret", {"event": "test"}, timestamp=1,
                                     address=ipaddress.ip_address("127.0.0.1"))
    assert code == 200
    [received] = webhook_receiver.requests
    assert received.headers["Host"] == f"hooks.rebinding.invalid:{port}"
    assert json.loads(received.body)["id"] == "k-1"


def test_a_pinned_https_request_names_the_host_for_tls():
    url, headers, extensions = channels.pinned(
        "https://hooks.example.com/in?x=1", ipaddress.ip_address("93.184.215.14"))
    assert url == "https://93.184.215.14/in?x=1"
    assert headers == {"Host": "hooks.example.com"}
    assert extensions == {"sni_hostname": "hooks.example.com"}
    assert channels.pinned("https://h.example.com:8443/", ipaddress.ip_address("2606:4700::1"))[
        0] == "https://[2606:4700::1]:8443/"
