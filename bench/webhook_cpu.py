"""CPU per outbound message in the dispatcher process: a webhook with a new HTTP client per
call (what `post_webhook` did before), a webhook through the dispatcher's one reused client
(`channels.webhook_client()`), and an email over one SMTP connection, in the same run.

    .venv/bin/python bench/webhook_cpu.py [--messages 300] [--rounds 3]

The receivers (an HTTP/1.1 keep-alive server and aiosmtpd) run in a child process, so only
the sender's CPU is counted (`time.process_time`, user + system, every thread of this
process). Plain HTTP on loopback: a new client still builds its TLS context (loading the CA
bundle) on every call; over HTTPS it would also pay a handshake per call, which the reused
client pays once per connection. Figures only; nothing here asserts.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def serve() -> None:
    """The child: an HTTP receiver and an SMTP sink on free loopback ports, until stdin ends."""
    import socket
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from aiosmtpd.controller import Controller

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):  # noqa: N802 (http.server's naming)
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    http.daemon_threads = True
    threading.Thread(target=http.serve_forever, daemon=True).start()
    with socket.socket() as probe:  # aiosmtpd needs a port number up front
        probe.bind(("127.0.0.1", 0))
        smtp_port = probe.getsockname()[1]
    smtp = Controller(Sink(), hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    print(json.dumps({"http": http.server_port, "smtp": smtp_port}), flush=True)
    sys.stdin.read()
    smtp.stop()
    http.shutdown()


def cpu_ms_per_call(call, messages: int) -> float:
    call(0)  # warm-up: imports, first connection
    started = time.process_time()
    for n in range(messages):
        call(n)
    return (time.process_time() - started) * 1000 / messages


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import httpx

    from portal import create_app
    from portal.notices import channels

    child = subprocess.Popen([sys.executable, __file__, "--serve"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    ports = json.loads(child.stdout.readline())
    url = f"http://127.0.0.1:{ports['http']}/hook"
    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": "sqlite://",
                      "SMTP_HOST": "127.0.0.1", "SMTP_PORT": ports["smtp"]})
    payload = {"event": "update", "escalation": {"reference": "ESC-1042", "title": "Bench"},
               "text": "x" * 400}
    email = channels.RenderedEmail(to="reader@example.com", subject="[ESC-1042] Bench",
                                   text="Hello.\n" * 40, html="<p>Hello.</p>" * 40)

    def new_client(n: int) -> None:  # the code before: httpx.post makes and closes a client
        body = channels.webhook_body(f"bench:{n}", payload)
        stamp = str(int(time.time()))
        httpx.post(url, content=body, timeout=5, headers={
            "Content-Type": "application/json", "Idempotency-Key": f"bench:{n}",
            "X-Clearpath-Timestamp": stamp,
            "X-Clearpath-Signature": channels.signature("s", stamp, body)})

    def reused_client(n: int) -> None:
        channels.post_webhook(f"bench:{n}", url, "s", payload, timestamp=int(time.time()))

    figures: dict[str, list[float]] = {"new": [], "reused": [], "email": []}
    try:
        with app.app_context():
            for _ in range(args.rounds):
                figures["new"].append(cpu_ms_per_call(new_client, args.messages))
                figures["reused"].append(cpu_ms_per_call(reused_client, args.messages))
                with channels.SmtpSession() as smtp:
                    figures["email"].append(cpu_ms_per_call(
                        lambda n, smtp=smtp: smtp.send(f"bench:{n}", email), args.messages))
    finally:
        child.stdin.close()
        child.wait(timeout=10)
    median = {name: statistics.median(values) for name, values in figures.items()}
    print(f"CPU per message in the sender, ms (median of {args.rounds} rounds × "
          f"{args.messages}; load {Path('/proc/loadavg').read_text().split()[0]})")
    for name, label in (("new", "webhook, new HTTP client per call (before)"),
                        ("reused", "webhook, the dispatcher's reused client"),
                        ("email", "email over one SMTP connection (aiosmtpd)")):
        values = ", ".join(f"{v:.2f}" for v in figures[name])
        print(f"  {label:<46} {median[name]:7.2f}   ({values})")
    print(f"ratios: new ÷ reused {median['new'] / median['reused']:.1f}×, "
          f"reused ÷ email {median['reused'] / median['email']:.2f}×, "
          f"new ÷ email {median['new'] / median['email']:.1f}×")


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        serve()
    else:
        main()
