"""A crowd signing in at once on the SQLite default, while the scheduler works: the figures.

    .venv/bin/python bench/signins.py [--rounds 3] [--workers 3] [--baseline ab948fa~1]

The stack of tests/deployed/ (stack.py), on a fresh SQLite file as `make demo` makes it:
`flask --app wsgi db upgrade`, the demo world, gunicorn with deploy/gunicorn.conf.py
(`--workers` gthread processes) and `flask --app wsgi scheduler run` with every job each
second, mail to an aiosmtpd sink on loopback. Each round, the 20 demo logins open the sign-in
page, wait for each other, post it at the same moment, then comment (customers) or open the
queue (staff). It prints responses by status, the count ≥ 500, who got in, sign-in latency,
and the scheduler's failed jobs and "database is locked" lines.

`--baseline REV` runs the same on another commit of the application (exported with `git
archive`, served with this tree's gunicorn settings), for example the code before SQLite took
its write lock up front: `--baseline ab948fa~1`. Figures, never assertions: the test of the
same crowd, tests/deployed/test_crowd.py, asserts the counts.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # `import tests.deployed` when run as a script


def measure(rounds: int, workers: int) -> dict:
    """One stack, `rounds` crowds; the figures as a dict."""
    from tests.deployed.crowd import sign_in_together
    from tests.deployed.stack import ROOT, Deployment

    with tempfile.TemporaryDirectory(prefix="bench-signins-") as workdir:
        deployment = Deployment(f"sqlite:///{Path(workdir) / 'clearpath.sqlite3'}",
                                Path(workdir))
        try:
            deployment.prepare()
            deployment.start_scheduler()
            web = deployment.start_web(workers=workers)
            facts = deployment.facts
            outcomes = []
            for number in range(rounds):
                result = sign_in_together(deployment.base_url, facts["logins"],
                                          facts["password"], tag=f"(round {number + 1})")
                outcomes.extend(result.outcomes)
            seconds = sorted(o.sign_in_seconds for o in outcomes if o.sign_in_seconds)
            responses: dict[int, int] = {}
            for outcome in outcomes:
                for status in outcome.statuses:
                    responses[status] = responses.get(status, 0) + 1
            return {
                "app": str(ROOT),
                "crowd": len(facts["logins"]),
                "rounds": rounds,
                "workers": workers,
                "responses": dict(sorted(responses.items())),
                "server_errors": sum(n for status, n in responses.items() if status >= 500),
                "signed_in": sum(o.signed_in for o in outcomes),
                "attempts": len(outcomes),
                "dropped": sum(bool(o.error) for o in outcomes),
                "sign_in_p50_s": round(statistics.median(seconds), 2) if seconds else None,
                "sign_in_max_s": round(seconds[-1], 2) if seconds else None,
                "failed_jobs": len(deployment.failed_jobs()),
                "locked_in_web_log": web.log().count("database is locked"),
                "mail_sent": len(deployment.smtp.messages),
            }
        finally:
            deployment.stop()


def _export(revision: str, target: Path) -> None:
    archive = subprocess.run(["git", "-C", str(REPO), "archive", revision], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)


def _run_child(args, app_root: Path | None) -> dict:
    """One measurement in a fresh interpreter (the application tree is chosen at import)."""
    env = dict(os.environ)
    env.pop("DEPLOYED_APP_ROOT", None)
    if app_root is not None:
        env["DEPLOYED_APP_ROOT"] = str(app_root)
    done = subprocess.run([sys.executable, __file__, "--one", "--rounds", str(args.rounds),
                           "--workers", str(args.workers)], env=env, capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"measurement failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _print(label: str, figures: dict) -> None:
    print(f"{label}: {figures['crowd']} simultaneous sign-ins × {figures['rounds']} rounds, "
          f"gunicorn {figures['workers']} gthread workers, SQLite file, scheduler every 1 s")
    print(f"  responses by status  {figures['responses']}")
    print(f"  responses >= 500     {figures['server_errors']}")
    print(f"  signed in            {figures['signed_in']} of {figures['attempts']}"
          f" (dropped connections: {figures['dropped']})")
    print(f"  sign-in p50 / max    {figures['sign_in_p50_s']} s / {figures['sign_in_max_s']} s")
    print(f"  failed jobs          {figures['failed_jobs']} (scheduler log)")
    print(f"  'database is locked' {figures['locked_in_web_log']} (gunicorn log)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--baseline", metavar="REV",
                        help="also measure this commit of the application")
    parser.add_argument("--json", metavar="PATH", help="write every figure here")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.rounds, args.workers)))
        return
    load = os.getloadavg()[0]
    runs = {"this tree": _run_child(args, None)}
    if args.baseline:
        with tempfile.TemporaryDirectory(prefix="bench-baseline-") as tree:
            _export(args.baseline, Path(tree))
            runs[f"baseline {args.baseline}"] = _run_child(args, Path(tree))
    print(f"load average before: {load:.2f}, after: {os.getloadavg()[0]:.2f}")
    for label, figures in runs.items():
        _print(label, figures)
    if args.json:
        Path(args.json).write_text(json.dumps(runs, indent=2))


if __name__ == "__main__":
    main()
