"""Real peers on loopback: an SMTP server (aiosmtpd) and an HTTP receiver for webhooks."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import free_port


class Mailbox:
    """aiosmtpd handler: keeps every accepted message; can be told to refuse with a code."""

    def __init__(self):
        self.messages = []
        self.refuse_with: str | None = None  # e.g. "451 4.3.0 try later" or "550 5.1.1 no"
        # Seconds to keep a message before answering that it was accepted (a slow server).
        self.reply_after: float = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_with:
            return self.refuse_with
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        if self.reply_after:
            await asyncio.sleep(self.reply_after)
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    """The server, which tests can take down and bring back up on the same port."""

    host: str
    port: int
    mailbox: Mailbox
    controller: Controller | None = None

    def start(self):
        self.controller = Controller(self.mailbox, hostname=self.host, port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server(app, monkeypatch):
    """A real SMTP server on 127.0.0.1, and the app pointed at it."""
    server = SmtpServer("127.0.0.1", free_port(), Mailbox())
    server.start()
    monkeypatch.setitem(app.config, "SMTP_HOST", server.host)
    monkeypatch.setitem(app.config, "SMTP_PORT", server.port)
    # Production's 10 s: the server runs in this process's threads, which a loaded machine can
    # stall for seconds, and a reply that times out is a transient failure (sent again later),
    # which tests that count deliveries must not see by accident.
    monkeypatch.setitem(app.config, "SMTP_TIMEOUT_SECONDS", 10)
    yield server
    server.stop()


@dataclass
class Received:
    headers: dict
    body: bytes


@dataclass
class WebhookReceiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    # What to do with the next requests, in order: an int status, or ("sleep", seconds).
    script: deque = field(default_factory=deque)


@pytest.fixture
def webhook_receiver(app, monkeypatch):
    """A real HTTP server on 127.0.0.1 that records requests and answers as scripted."""
    receiver = WebhookReceiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length", 0))
            receiver.requests.append(Received(dict(self.headers), self.rfile.read(length)))
            action = receiver.script.popleft() if receiver.script else 200
            if isinstance(action, tuple):
                time.sleep(action[1])
                action = 200
            self.send_response(action)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps({"status": action}).encode())

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_port}/hook"
    monkeypatch.setitem(app.config, "WEBHOOK_TIMEOUT_SECONDS", 0.5)
    yield receiver
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def world(world, as_staff):
    """The suite's world without the notices its building queued, so each test here sees
    only what it causes."""
    from sqlalchemy import delete

    from portal.notices.models import Notice

    with as_staff() as session:
        session.execute(delete(Notice))
    return world


@pytest.fixture
def count_queries(app):
    """`with count_queries() as statements:` lists the SQL statements run inside the block."""
    from functools import partial

    from tests.querycount import counted_queries

    return partial(counted_queries, app)
