"""Where a page's CPU goes as deployed: gunicorn (2 sync workers), PostgreSQL's backends, wrk
and the rest of the machine, per request, while wrk drives one page (and, beside it, the bare
endpoint).

    .venv/bin/python bench/cpu_split.py [--seconds 10] [--path /escalations] [--no-cache]

Reads /proc: utime + stime of each group of processes before and after one wrk run, and the
machine's busy time from /proc/stat. Figures are information, never assertions.
"""

from __future__ import annotations

import argparse
import os
import sys

import common
import dashboard as harness

TICK = os.sysconf("SC_CLK_TCK")
COLUMNS = ("gunicorn", "gunicorn_sys", "postgres", "postgres_sys", "wrk", "other", "machine")


def _processes() -> dict[int, tuple[str, int, float, float]]:
    """pid -> (command name, parent pid, user CPU seconds, system CPU seconds)."""
    seen = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as handle:
                head, tail = handle.read().rsplit(")", 1)
        except OSError:
            continue
        fields = tail.split()
        name = head.split("(", 1)[1]
        seen[int(entry.name)] = (name, int(fields[1]), int(fields[11]) / TICK,
                                 int(fields[12]) / TICK)
    return seen


def _busy() -> float:
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / TICK


def _groups(server: harness.Server) -> dict[str, float]:
    procs = _processes()
    groups = dict.fromkeys(("gunicorn", "gunicorn_sys", "postgres", "postgres_sys", "wrk"), 0.0)
    for pid, (name, ppid, user, system) in procs.items():
        if server.process and server.process.pid in (pid, ppid):
            groups["gunicorn"] += user + system
            groups["gunicorn_sys"] += system
        elif name.startswith("postgres"):
            groups["postgres"] += user + system
            groups["postgres_sys"] += system
    return groups


def split(server, path, headers, seconds):
    """wrk runs in its own process; its CPU is read from the finished child via rusage."""
    import resource
    before, busy_before = _groups(server), _busy()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures = harness.run_wrk(server.base, path, headers, seconds=seconds, connections=16,
                              threads=2, follow_etag=False)
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    after, busy_after = _groups(server), _busy()
    requests = figures["requests"]
    per = {k: (after[k] - before[k]) * 1000 / requests for k in after}
    per["wrk"] = ((children_after.ru_utime + children_after.ru_stime)
                  - (children_before.ru_utime + children_before.ru_stime)) * 1000 / requests
    per["machine"] = (busy_after - busy_before) * 1000 / requests
    per["other"] = per["machine"] - per["gunicorn"] - per["postgres"] - per["wrk"]
    return requests / (figures["duration_us"] / 1e6), per, figures["bytes"] / requests


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--path", default="/escalations")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    subjects = harness.pick_subjects()
    with harness.Server(2, 1, worker_class="sync") as server:
        client = harness.Client(server.port)
        client.sign_in(subjects.email, common.BENCH_PASSWORD)
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        client.close()
        page = {"User-Agent": harness.USER_AGENT, "Cookie": cookie, "Cache-Control": "no-cache"}
        plain = {"User-Agent": harness.USER_AGENT}
        harness.run_wrk(server.base, args.path, page, seconds=3, connections=16, threads=2,
                        follow_etag=False)
        print("CPU ms per request (_sys: of which in the kernel)")
        print(f"{'what':<26}{'req/s':>8}{'KiB':>6}" + "".join(f"{k:>13}" for k in COLUMNS))
        for _ in range(args.rounds):
            for label, path, headers in (("bare", "/bare", plain),
                                         (args.path + " rendered", args.path, page)):
                server.settle()
                rps, per, size = split(server, path, headers, args.seconds)
                print(f"{label:<26}{rps:>8.1f}{size / 1024:>6.1f}"
                      + "".join(f"{per[k]:>13.3f}" for k in COLUMNS), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
