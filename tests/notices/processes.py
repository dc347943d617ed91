"""Real processes on a real database, for tests that must see committed rows from several
OS processes (dispatchers, schedulers) instead of the suite's rolled-back transaction.

`migrated_database` gives such a database for the suite's own kind: a SQLite file of the
test's own, or a PostgreSQL schema of its own (dropped afterwards); both made by
`flask db upgrade`, as operators make theirs.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller

from tests.conftest import free_port
from tests.pgschema import own_schema

ROOT = Path(__file__).resolve().parents[2]


def env_for(database_url: str, **settings) -> dict:
    """The environment of a portal process configured like production (PORTAL_* only)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PORTAL_")}
    env.update(PORTAL_DATABASE_URL=database_url, PYTHONPATH=str(ROOT),
               PORTAL_SESSION_COOKIE_SECURE="false", PORTAL_SECRET_KEY="multi-process-tests",
               PORTAL_WEBHOOK_ALLOWED_HOSTS='["127.0.0.1"]')  # the receivers are on loopback
    env.update({f"PORTAL_{key}": value if isinstance(value, str) else json.dumps(value)
                for key, value in settings.items()})
    return env


@contextmanager
def migrated_database(suite_url: str, prefix: str, directory: Path) -> Iterator[str]:
    """A database of the suite's kind that only this test uses, migrated; yields its URL."""
    if suite_url.startswith("sqlite"):
        url = f"sqlite:///{directory / f'{prefix}.sqlite3'}"
        _upgrade(url)
        yield url
        return
    with own_schema(suite_url, prefix) as url:
        _upgrade(url)
        yield url


def _upgrade(url: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                   cwd=ROOT, env=env_for(url), check=True, capture_output=True)


def worker(env: dict, *args: str) -> subprocess.Popen:
    """`python -m tests.notices.mp_worker ARGS` as its own process."""
    return subprocess.Popen([sys.executable, "-m", "tests.notices.mp_worker", *args], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen, timeout: float = 900) -> dict:
    """Wait for a worker; its last output line is its JSON report."""
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


class CountingMailbox:
    """Counts every Message-ID it accepts; can slow each message down."""

    def __init__(self, delay: float = 0.0):
        self.ids: list[str] = []
        self.delay = delay
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        for line in envelope.content.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                with self.lock:
                    self.ids.append(line.split(b":", 1)[1].strip().decode())
                break
        return "250 OK"


@dataclass
class CountingReceiver:
    """A webhook receiver on loopback that counts deliveries by Idempotency-Key, each one
    answered after `delay` seconds; `hold_at` = n makes the n-th request wait for `release`."""

    delay: float = 0.0
    hold_at: int | None = None
    url: str = ""
    keys: list[str] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    headers: list[dict] = field(default_factory=list)
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def duplicates(self) -> int:
        return len(self.keys) - len(set(self.keys))

    def wait_for(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while len(self.keys) < count and time.monotonic() < deadline:
            time.sleep(0.02)


@contextmanager
def counting_receiver(**options) -> Iterator[CountingReceiver]:
    receiver = CountingReceiver(**options)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with receiver.lock:
                receiver.keys.append(self.headers["Idempotency-Key"])
                receiver.bodies.append(body)
                receiver.headers.append(dict(self.headers))
                number = len(receiver.keys)
            if number == receiver.hold_at:
                receiver.holding.set()
                receiver.release.wait(60)
            time.sleep(receiver.delay)
            try:
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:
                pass  # the sender died while we held its request

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_port}/hook"
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def counting_smtp_server() -> Iterator[tuple[Controller, CountingMailbox]]:
    """An aiosmtpd server on loopback that counts deliveries by Message-ID."""
    mailbox = CountingMailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, mailbox
    finally:
        controller.stop()
