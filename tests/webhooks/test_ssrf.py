"""The server-side request forgery rule, on addresses that need no DNS (IP literals) and on
`localhost`: refused at save, and again at delivery when the URL was stored before."""

from __future__ import annotations

import ipaddress

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


def test_a_connection_is_refused_when_its_host_is_unsafe_at_that_moment(app, strict,
                                                                       webhook_receiver):
    """The client checks the address as it connects, not only the delivery before it: posted
    straight to loopback (no check before), nothing is sent and the refusal says why."""
    port = webhook_receiver.url.split(":")[2].split("/")[0]
    with app.app_context(), pytest.raises(channels.PermanentDeliveryError) as refused:
        channels.post_webhook("k-1", f"https://localhost:{port}/hook", "secret", {},
                              timestamp=1)
    assert "loopback" in str(refused.value)
    assert webhook_receiver.requests == []


def test_dns_rebinding_after_the_check_is_caught_at_the_connection(app, strict, monkeypatch,
                                                                  webhook_receiver):
    """The name answers a public address to the delivery's check, then loopback (DNS, which is
    outside the machine, is the one thing stubbed): the connection is refused, nothing sent."""
    port = webhook_receiver.url.split(":")[2].split("/")[0]
    answers = iter([[ipaddress.ip_address("93.184.215.14")], [ipaddress.ip_address("127.0.0.1")]])
    monkeypatch.setattr(destinations, "_resolve", lambda host, port: next(answers))
    url = f"https://hooks.rebinding.example:{port}/hook"
    with app.app_context():
        destinations.check_url(url)  # the delivery's check: public
        with pytest.raises(channels.PermanentDeliveryError) as refused:
            channels.post_webhook("k-1", url, "secret", {}, timestamp=1)
    assert "loopback" in str(refused.value)
    assert webhook_receiver.requests == []
