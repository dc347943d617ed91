"""The deployed shape, as the README's "Deploying" section runs it: real processes, real peers.

`Deployment` prepares a database the way an operator does (`flask --app wsgi db upgrade`, then
the demo world with `flask --app wsgi demo`, then `seed.py` for what the demo lacks: a webhook
endpoint on loopback), and starts gunicorn with `deploy/gunicorn.conf.py` and the scheduler
(`flask --app wsgi scheduler run`) as processes of their own. Mail goes to an aiosmtpd sink
and webhooks to an HTTP receiver, both on loopback in this process.

No pytest in here: bench/signins.py runs the same stack. Everything waits on conditions (a URL
answering, a message arriving), never on fixed sleeps; every process is stopped by its own
process group (gunicorn's workers and render children go with it).

DEPLOYED_APP_ROOT runs another checkout of the application (for example a commit before a fix,
exported with `git archive`) with this repository's gunicorn settings and seed script.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
from aiosmtpd.controller import Controller

from tests.conftest import free_port

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
ROOT = Path(os.environ.get("DEPLOYED_APP_ROOT") or REPO).resolve()
BIN = Path(sys.executable).parent  # the virtualenv running us: its flask and gunicorn
GUNICORN_CONFIG = REPO / "deploy" / "gunicorn.conf.py"
# The README's "Deploying" commands, word for word (tests/deployed/test_readme_deploying.py).
MIGRATE = "flask --app wsgi db upgrade"
WEB = "gunicorn --config deploy/gunicorn.conf.py wsgi:app"
SCHEDULER = "flask --app wsgi scheduler run"
SECRET_KEY = "deployed-shape-tests-not-for-production"  # one key for every process
WEBHOOK_SECRET = "deployed-shape-webhook-secret"
# Every job every second: the scheduler writes while people use the site.
FAST_JOBS = {"dispatch-notices": 1, "evaluate-rules": 1, "due-scheduled-notices": 1,
             "daily-digests": 1, "prepare-reports": 1, "oncall-triage": 1}
# Lines a scheduler writes when a job fails (portal.scheduler logs "job <name> failed";
# APScheduler adds "Job ... raised an exception").
FAILED_JOB = re.compile(r"job \S+ failed|raised an exception", re.IGNORECASE)


def command(readme_command: str, *flags: str) -> list[str]:
    """A README command as argv: our virtualenv's program, this repository's gunicorn config
    (whatever DEPLOYED_APP_ROOT says), and `flags` before the last word."""
    program, *words = shlex.split(readme_command)
    words = [str(GUNICORN_CONFIG) if word == "deploy/gunicorn.conf.py" else word
             for word in words]
    return [str(BIN / program), *words[:-1], *flags, words[-1]]


def wait_until(condition: Callable[[], object], *, what: str, timeout: float = 60,
               watch: tuple[Process, ...] = ()) -> object:
    """Poll `condition` until it returns something truthy; fail at `timeout`, or at once when
    a watched process has died (with its log)."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        for process in watch:
            if not process.alive():
                raise RuntimeError(f"{process.name} exited ({process.popen.returncode}) while "
                                   f"waiting for {what}:\n{process.log_tail()}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout:g} s waiting for {what}")
        time.sleep(0.05)


# ------------------------------------------------------------------ processes

class Process:
    """A long-running command with its output in a log file; stopped by its process group."""

    def __init__(self, name: str, argv: list[str], env: dict, log_dir: Path):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop)
        self.popen = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=self._log,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        self.stopped = False  # by us: its exit is no failure

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_tail(self, chars: int = 6000) -> str:
        return self.log()[-chars:]

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM to the group (gunicorn stops gracefully), SIGKILL if it lingers."""
        self.stopped = True
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout)
        self._log.close()


def run(argv: list[str], env: dict) -> str:
    """A one-shot command (migrations, seeding); its output, or an error that shows it."""
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}:\n"
                           f"{done.stdout[-3000:]}\n{done.stderr[-6000:]}")
    return done.stdout


# ------------------------------------------------------------------ peers on loopback

class SmtpSink:
    """An aiosmtpd server that keeps every message it accepts."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def stop(self) -> None:
        self._controller.stop()


@dataclass(frozen=True)
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes


class WebhookReceiver:
    """An HTTP server that records every POST and answers 200."""

    def __init__(self):
        self.deliveries: list[Delivery] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", 0))
                receiver.deliveries.append(
                    Delivery(self.path, dict(self.headers), self.rfile.read(length)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="webhook-receiver", daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_port}/clearpath"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


# ------------------------------------------------------------------ the deployment

@dataclass
class Deployment:
    """One database prepared as an operator would, and the processes that serve it."""

    database_url: str
    workdir: Path
    redis_url: str | None = None  # rate limits across workers (production); memory:// if None
    smtp: SmtpSink = field(default_factory=SmtpSink)
    webhooks: WebhookReceiver = field(default_factory=WebhookReceiver)
    processes: list[Process] = field(default_factory=list)
    facts: dict = field(default_factory=dict)  # what seed.py found: references, logins
    port: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def report_cache(self) -> Path:
        return self.workdir / "reports"

    def env(self) -> dict:
        """The process environment: no PORTAL_* of ours leaks in; the README's settings."""
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("PORTAL_", "GUNICORN_", "WEB_CONCURRENCY"))}
        env.update(
            FLASK_APP="wsgi",
            PORTAL_DATABASE_URL=self.database_url,
            PORTAL_SECRET_KEY=SECRET_KEY,
            PORTAL_SESSION_COOKIE_SECURE="false",  # plain HTTP on loopback
            PORTAL_PUBLIC_URL=self.base_url,
            PORTAL_SMTP_HOST="127.0.0.1",
            PORTAL_SMTP_PORT=str(self.smtp.port),
            PORTAL_REPORT_CACHE_DIR=str(self.report_cache),
            PORTAL_SCHEDULER_JOB_SECONDS=json.dumps(FAST_JOBS),
            PORTAL_RATELIMIT_STORAGE_URI=self.redis_url or "memory://",
            # Every sign-in of a run comes from 127.0.0.1 (the crowd alone is 20 in a second);
            # a run signs the same people in several times a minute.
            PORTAL_LOGIN_RATE_LIMIT="500 per minute",
            PORTAL_LOGIN_RATE_LIMIT_PER_EMAIL="100 per minute",
            # The crowd and the journeys sign the demo's administrator and escalation manager
            # in by password; two-factor sign-in has its own tests (tests/auth, tests/browser).
            PORTAL_TWO_FACTOR_ENFORCE_REQUIRED="false",
            # The webhook receiver runs on loopback, which the SSRF rule otherwise refuses.
            PORTAL_WEBHOOK_ALLOWED_HOSTS='["127.0.0.1"]',
        )
        if ROOT != REPO:
            env["PYTHONPATH"] = str(ROOT)
        return env

    def prepare(self) -> None:
        """Migrate, seed the demo world, add what the tests need; as the README says."""
        self.port = self.port or free_port()
        env = self.env()
        run(command(MIGRATE), env)
        run([str(BIN / "flask"), "--app", "wsgi", "demo"], env)
        out = run([sys.executable, str(HERE / "seed.py"), self.webhooks.url, WEBHOOK_SECRET],
                  env)
        self.facts = json.loads(out.strip().splitlines()[-1])

    def start_web(self, *, name: str = "gunicorn", port: int | None = None,
                  extra: tuple[str, ...] = (), workers: int = 3, threads: int = 4,
                  settings: dict | None = None) -> Process:
        """gunicorn with the deploy config (and `settings`, PORTAL_* variables, over the
        README's); waits until the sign-in page answers."""
        port = port or self.port
        env = self.env()
        env.update(WEB_CONCURRENCY=str(workers), GUNICORN_THREADS=str(threads))
        env.update(settings or {})
        process = self.start(name, command(WEB, "--bind", f"127.0.0.1:{port}", *extra), env)
        wait_until(lambda: _answers(f"http://127.0.0.1:{port}/login"),
                   what=f"{name} to answer on port {port}", watch=(process,))
        return process

    def start_scheduler(self) -> Process:
        return self.start("scheduler", command(SCHEDULER), self.env())

    def start(self, name: str, argv: list[str], env: dict) -> Process:
        process = Process(name, argv, env, self.workdir)
        self.processes.append(process)
        return process

    def wait_until(self, condition: Callable[[], object], *, what: str,
                   timeout: float = 60) -> object:
        """`wait_until`, failing at once (with its log) if a process of ours has died."""
        return wait_until(condition, what=what, timeout=timeout,
                          watch=tuple(p for p in self.processes if not p.stopped))

    def failed_jobs(self) -> list[str]:
        scheduler = next(p for p in self.processes if p.name == "scheduler")
        return [line for line in scheduler.log().splitlines() if FAILED_JOB.search(line)]

    def logs(self) -> str:
        return "\n".join(f"----- {p.name} ({p.log_path})\n{p.log_tail()}"
                         for p in self.processes)

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()
        self.smtp.stop()
        self.webhooks.stop()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.TransportError:
        return False
