"""Dispatch throughput to a local SMTP server: notices/s with 1 and 2 dispatcher processes on
PostgreSQL, next to raw smtplib sends to the same server in the same run.

    .venv/bin/python bench/dispatch.py [--notices 2000] [--batch 200] [--rounds 1]

Each round: a fresh outbox of N due notices (one organization of 100 readers, N/100 one-off
scheduled notices, swept once), then 1 or 2 `tests/notices/mp_worker.py run` processes — the
production dispatcher code path: claim FOR UPDATE SKIP LOCKED, render, SMTP, record — until
every row is sent. The SMTP server (aiosmtpd, in this process) counts Message-IDs, so each
figure comes with its lost and duplicate counts. The baseline sends as many prebuilt messages
over one smtplib connection (what a dispatcher does per batch), without database or rendering.

Its own database (BENCH_DISPATCH_DB, default `bench_dispatch`), created if missing, migrated
by `flask db upgrade`; never the test suite's `test`. Figures only; nothing here asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import smtplib
import statistics
import subprocess
import sys
import threading
import time
from email.message import EmailMessage
from pathlib import Path

import psycopg
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[1]
PG = os.environ.get("BENCH_PG", "host=127.0.0.1 port=5432 user=postgres")
DB_NAME = os.environ.get("BENCH_DISPATCH_DB", "bench_dispatch")
if DB_NAME == "test":
    raise SystemExit("the bench must not use the test suite's `test` database")
URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB_NAME}"
READERS = 100


class CountingSink:
    def __init__(self):
        self.ids: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        for line in envelope.content.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                with self.lock:
                    self.ids.append(line.split(b":", 1)[1].strip().decode())
                break
        return "250 OK"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def env(**settings) -> dict:
    values = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    values.update(PORTAL_DATABASE_URL=URL, PORTAL_SECRET_KEY="clearpath-bench-dispatch",
                  PORTAL_SESSION_COOKIE_SECURE="false", PYTHONPATH=str(ROOT), FLASK_APP="wsgi",
                  PORTAL_WEBHOOK_ALLOWED_HOSTS='["127.0.0.1"]')  # the receiver is on loopback
    values.update({f"PORTAL_{k}": str(v) for k, v in settings.items()})
    return values


def prepare_database() -> None:
    with psycopg.connect(f"{PG} dbname=postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                            (DB_NAME,)).fetchone():
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env(),
                   check=True, capture_output=True)


def worker(settings: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tests.notices.mp_worker", *args], cwd=ROOT,
                            env=env(**settings), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def finish(process: subprocess.Popen) -> dict:
    out, err = process.communicate(timeout=3600)
    if process.returncode:
        raise SystemExit(f"worker failed:\n{err[-3000:]}")
    return json.loads(out.strip().splitlines()[-1])


def fresh_outbox(settings: dict, notices: int) -> None:
    with psycopg.connect(f"{PG} dbname={DB_NAME}", autocommit=True) as conn:
        conn.execute("TRUNCATE notices, scheduled_notices, audit_events CASCADE")
    finish(worker(settings, "seed", "--users", str(READERS),
                  "--schedules", str(max(notices // READERS, 1))))
    queued = finish(worker(settings, "sweep"))["queued"]
    assert queued == max(notices // READERS, 1) * READERS, queued


def dispatch_round(settings: dict, processes: int, sink: CountingSink, notices: int) -> dict:
    fresh_outbox(settings, notices)
    sink.ids.clear()
    started = time.perf_counter()
    reports = [finish(p) for p in [worker(settings, "run", "--no-sweep", "--deadline", "3000")
                                   for _ in range(processes)]]
    wall = time.perf_counter() - started
    busy = max(r["seconds"] for r in reports)  # without interpreter start-up
    with psycopg.connect(f"{PG} dbname={DB_NAME}") as conn:
        keys = [row[0] for row in conn.execute("SELECT key FROM notices")]
    received = list(sink.ids)
    return {"processes": processes, "notices": len(keys), "wall_s": wall, "busy_s": busy,
            "per_s": len(keys) / busy, "duplicates": len(received) - len(set(received)),
            "lost": len(keys) - len(set(received)), "per_process": [r["sent"] for r in reports]}


def baseline(port: int, count: int) -> float:
    """Raw smtplib: `count` prebuilt messages over one connection; messages per second."""
    messages = []
    for n in range(count):
        message = EmailMessage()
        message["From"] = "Clearpath <escalations@clearpath.example.com>"
        message["To"] = f"reader{n}@load.example.com"
        message["Subject"] = "[ESC-1001] Checkpoint for Load"
        message["Message-ID"] = f"<baseline-{n}-{time.time_ns()}@clearpath.example.com>"
        message.set_content("Hello Reader: still on it.\n" * 5)
        message.add_alternative("<p>Hello Reader: still on it.</p>" * 20, subtype="html")
        messages.append(message)
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        for message in messages:
            smtp.send_message(message)
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--notices", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--json", help="write every figure to this file")
    args = parser.parse_args()

    prepare_database()
    sink = CountingSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings = dict(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port,
                    NOTICE_BATCH_SIZE=args.batch)
    results = {"baseline": [], 1: [], 2: []}
    try:
        for _ in range(args.rounds):
            results["baseline"].append(baseline(controller.port, args.notices))
            for processes in (1, 2):
                results[processes].append(dispatch_round(settings, processes, sink,
                                                         args.notices))
    finally:
        controller.stop()

    base = statistics.median(results["baseline"])
    print(f"\nDispatch to aiosmtpd on 127.0.0.1, PostgreSQL `{DB_NAME}`, {args.notices} notices,"
          f" batch {args.batch}, median of {args.rounds} round(s); load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n")
    print(f"{'':34}{'notices/s':>10}{'vs smtplib':>12}{'lost':>6}{'dupes':>7}")
    print(f"{'raw smtplib, one connection':34}{base:>10.0f}{'1.00':>12}{'-':>6}{'-':>7}")
    for processes in (1, 2):
        runs = results[processes]
        rate = statistics.median(r["per_s"] for r in runs)
        print(f"{f'{processes} dispatcher process(es)':34}{rate:>10.0f}{rate / base:>12.2f}"
              f"{max(r['lost'] for r in runs):>6}{max(r['duplicates'] for r in runs):>7}")
    one = statistics.median(r["per_s"] for r in results[1])
    two = statistics.median(r["per_s"] for r in results[2])
    print(f"\n2 processes / 1 process: {two / one:.2f}×  (per process: "
          f"{results[2][-1]['per_process']})")
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"baseline_per_s": results["baseline"], "one": results[1], "two": results[2]},
            indent=2))


if __name__ == "__main__":
    main()
