"""Signal ingestion throughput: generic alerts per second, with dedupe, on SQLite and
PostgreSQL, next to a bare endpoint that answers 202 without work, in the same run.

    .venv/bin/python bench/signals.py [--backends sqlite pg] [--seconds 10] [--keys 10]

For each backend: a fresh database made by the app's migrations (SQLite: a temp file;
PostgreSQL: the database `bench_signals`, dropped and made again), an organization and a
generic integration (bearer token), gunicorn serving bench/signals_serve.py with the given
workers and threads, and wrk posting alerts (bench/signals.lua) whose dedupe keys cycle over
`--keys`: the first alert of a key opens an escalation, every later one adds an internal note
with the running count. The same wrk settings then hit /bare/signals (same JSON body). After
the run the database is read: escalations opened must equal the number of keys.
Figures only; tests/signals/test_concurrency.py asserts the counts.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("BENCH_DB_NAME", "bench_signals")

import common  # noqa: E402  (after choosing the database)
from dashboard import Server  # noqa: E402  (the same gunicorn wrapper)


class SignalServer(Server):
    def __init__(self, env: dict, **kwargs):
        super().__init__(**kwargs)
        self.env = env

    def command(self) -> list[str]:
        return [sys.executable, "-m", "gunicorn", "signals_serve:app", *self.gunicorn_flags(),
                "--chdir", str(common.BENCH_DIR)]

    def environment(self) -> dict[str, str]:
        return self.env

    def __enter__(self):  # dashboard.Server probes GET /bare; ours answers POST only
        import http.client
        import time

        self.process = subprocess.Popen(self.command(), env=self.environment(),
                                        stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited:\n{self.tail()}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("POST", "/bare/signals", body="{}",
                                   headers={"Content-Type": "application/json"})
                if connection.getresponse().status == 202:
                    return self
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer:\n{self.tail()}")


def prepare(url: str) -> tuple[dict, str]:
    """Migrate, seed one organization and one generic integration; the env and the token."""
    env = common.app_environment() | {"PORTAL_DATABASE_URL": url}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                          cwd=common.ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stdout + done.stderr)
    from portal import create_app
    from portal.enums import Role
    from portal.extensions import db
    from portal.signals import operations
    from portal.signals.models import AuthMethod, IntegrationKind
    from portal.tenancy import Scope, set_scope
    from tests import factories

    app = create_app(common.app_config() | {"DATABASE_URL": url})
    with app.app_context():
        set_scope(db.session(), Scope.unscoped("bench seed"))
        organization = factories.make_organization("Bench Customer")
        admin = factories.make_staff(Role.ADMINISTRATOR)
        integration, token = operations.create_integration(
            name="Bench", kind=IntegrationKind.GENERIC, auth_method=AuthMethod.TOKEN,
            actor=admin)
        operations.configure_integration(integration, rules_text="", default_severity=3,
                                         default_organization_id=organization.id,
                                         default_product_area="Bench", actor=admin)
        db.session.commit()
        db.engine.dispose()
    return env, token


def wrk(base: str, path: str, token: str, args, prefix: str) -> dict:
    command = ["wrk", "-t1", f"-c{args.connections}", f"-d{args.seconds:g}s", "--timeout",
               "60s", "-s", str(common.BENCH_DIR / "signals.lua"),
               "-H", f"Authorization: Bearer {token}", base + path, "--", str(args.keys), prefix]
    done = subprocess.run(command, capture_output=True, text=True, timeout=args.seconds + 120)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            figures = json.loads(line.removeprefix("BENCH_JSON "))
            figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
            return figures
    raise SystemExit(f"wrk gave no figures:\n{done.stdout}\n{done.stderr}")


def counted(url: str) -> dict:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        one = lambda sql: conn.exec_driver_sql(sql).scalar()  # noqa: E731
        result = {"escalations": one("SELECT count(*) FROM escalations"),
                  "signals": one("SELECT count(*) FROM signals"),
                  "open_links": one("SELECT count(*) FROM signal_links "
                                    "WHERE open_key IS NOT NULL")}
    engine.dispose()
    return result


def run_backend(name: str, url: str, args) -> dict:
    env, token = prepare(url)
    with SignalServer(env, workers=args.workers, threads=args.threads) as server:
        if args.warmup:
            wrk(server.base, "/api/v1/signals/generic", token, args, "warmup")
            server.settle()
        bare = wrk(server.base, "/bare/signals", token, args, "bare")
        server.settle()
        real = wrk(server.base, "/api/v1/signals/generic", token, args, "run")
        server.settle()
    return {"backend": name, "bare": bare, "signals": real, "database": counted(url)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "pg"])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--keys", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--warmup", action="store_true", help="a first run to warm caches")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-signals-") as workdir:
        for backend in args.backends:
            if backend == "pg":
                common.create_database(drop_first=True)
                url = common.sqlalchemy_url()
            else:
                url = f"sqlite:///{Path(workdir) / 'signals.sqlite3'}"
            results.append(run_backend(backend, url, args))
    print(f"code: {common.git_state()}; gunicorn {args.workers} workers × {args.threads} "
          f"threads; wrk 1 thread, {args.connections} connections, {args.seconds:g} s each; "
          f"{args.keys} dedupe keys; {os.cpu_count()} CPUs shared")
    print(f"{'backend':8} {'bare 202/s':>11} {'alerts/s':>9} {'ratio':>6} {'p50 ms':>7} "
          f"{'p99 ms':>7} {'statuses':>18} {'escalations':>12} {'signals':>8}")
    for r in results:
        bare, real, db = r["bare"], r["signals"], r["database"]
        print(f"{r['backend']:8} {bare['rps']:11.0f} {real['rps']:9.1f} "
              f"{real['rps'] / bare['rps']:6.3f} {real['latency_us']['p50'] / 1000:7.1f} "
              f"{real['latency_us']['p99'] / 1000:7.1f} {json.dumps(real['statuses']):>18} "
              f"{db['escalations']:12d} {db['signals']:8d}")
    print("BENCH_JSON " + json.dumps(results))


if __name__ == "__main__":
    main()
