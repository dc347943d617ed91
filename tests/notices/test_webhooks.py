"""Webhooks as a receiver sees them: one keep-alive connection per dispatcher, and an
Idempotency-Key the signature covers for every endpoint style (README "Receiving webhooks")."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from portal.enums import Role
from portal.notices import channels, signing
from portal.notices.models import WebhookEndpoint, WebhookKind
from portal.outreach import dispatch
from tests.notices.test_delivery import _post_customer_update


@pytest.fixture
def keepalive_receiver():
    """An HTTP/1.1 receiver on loopback recording each request with the client's port (one
    port = one TCP connection)."""
    requests: list[tuple[int, dict, bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            requests.append((self.client_address[1], dict(self.headers), body))
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", requests
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _endpoints(session, world, url: str) -> None:
    for kind in WebhookKind:
        session.add(WebhookEndpoint(organization_id=world.org_a.id, name=f"Acme {kind}",
                                    url=url, kind=kind,
                                    secret_sealed=signing.seal(f"secret-{kind}")))
    session.flush()


def test_a_dispatchers_webhooks_share_one_connection(as_staff, world, keepalive_receiver):
    """Three updates to two endpoints: six webhooks over a single kept-alive connection."""
    url, requests = keepalive_receiver
    channels.webhook_client().close()  # a fresh client: no connection left by other tests
    channels._forget_client()
    with as_staff() as session:
        _endpoints(session, world, url)
        for n in range(3):
            _post_customer_update(session, world, body=f"Update {n}")
    with as_staff():
        report = dispatch.dispatch_all()
    assert report.sent >= 6 and len(requests) == 6
    assert len({port for port, _, _ in requests}) == 1
    assert channels.webhook_client() is channels.webhook_client()


def test_a_forked_dispatcher_makes_its_own_client():
    """A child process never shares the parent's connections: after fork it has no client."""
    parent = channels.webhook_client()
    reading, writing = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report and leave at once, whatever happens
        try:
            fresh = channels._client is None and channels.webhook_client() is not parent
            os.write(writing, b"1" if fresh else b"0")
        finally:
            os._exit(0)
    os.close(writing)
    answer = os.read(reading, 1)
    os.close(reading)
    os.waitpid(pid, 0)
    assert answer == b"1"
    assert channels.webhook_client() is parent


@pytest.mark.parametrize("kind", list(WebhookKind))
def test_the_signature_covers_the_idempotency_key_for_every_endpoint_style(
        as_staff, world, keepalive_receiver, kind):
    """Slack-style and generic bodies alike carry `id` = Idempotency-Key, inside the HMAC."""
    url, requests = keepalive_receiver
    with as_staff() as session:
        session.add(WebhookEndpoint(organization_id=world.org_a.id, name="Acme", url=url,
                                    kind=kind, secret_sealed=signing.seal("s3cret")))
        session.flush()
        _post_customer_update(session, world)
    with as_staff():
        dispatch.dispatch_all()
    [(_, headers, body)] = requests
    stamp = headers["X-Clearpath-Timestamp"]
    expected = hmac.new(b"s3cret", stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Clearpath-Signature"], f"v1={expected}")
    assert json.loads(body)["id"] == headers["Idempotency-Key"]
    if kind == WebhookKind.SLACK:
        assert json.loads(body)["text"].startswith(f"[{world.escalation_a.reference}]")
        assert world.staff[Role.AGENT].name in json.loads(body)["text"]


def test_the_readmes_verification_recipe_accepts_ours_and_refuses_the_rest(
        as_staff, world, keepalive_receiver):
    """The code in README "Receiving webhooks", run on a real delivery: accepted once, a
    redelivery is recognised, a changed key or body or a stale timestamp is refused."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## Receiving webhooks", 1)[1].split("\n## ", 1)[0]
    recipe: dict = {}
    exec(section.split("```python", 1)[1].split("```", 1)[0], recipe)  # noqa: S102
    verify, refused = recipe["verify"], recipe["Refused"]

    url, requests = keepalive_receiver
    with as_staff() as session:
        session.add(WebhookEndpoint(organization_id=world.org_a.id, name="Acme", url=url,
                                    kind=WebhookKind.SLACK, secret_sealed=signing.seal("s3cret")))
        session.flush()
        _post_customer_update(session, world)
    with as_staff():
        dispatch.dispatch_all()
    [(_, headers, body)] = requests
    seen: set[str] = set()
    assert verify("s3cret", headers, body, seen)["id"] == headers["Idempotency-Key"]
    assert verify("s3cret", headers, body, seen) is None  # the redelivery
    forged = [("wrong-secret", headers, body),
              ("s3cret", headers | {"Idempotency-Key": "someone-else"}, body),
              ("s3cret", headers, body.replace(b"posted", b"deleted")),
              ("s3cret", _signed_at(headers, body, int(headers["X-Clearpath-Timestamp"]) - 301),
               body)]
    reasons = []
    for secret, changed_headers, changed_body in forged:
        with pytest.raises(refused) as refusal:
            verify(secret, changed_headers, changed_body, set())
        reasons.append(str(refusal.value))
    assert reasons == ["bad signature", "Idempotency-Key is not the signed id", "bad signature",
                       "timestamp outside the 5-minute window"]


def _signed_at(headers: dict, body: bytes, stamp: int) -> dict:
    """The same request, validly signed at another time (a replay of an old capture)."""
    return headers | {"X-Clearpath-Timestamp": str(stamp),
                      "X-Clearpath-Signature": channels.signature("s3cret", str(stamp), body)}
