"""The peer Clearpath is measured against in bench/pages.py: django-helpdesk 2.6.1, the
ticket tracker a user would pick instead, served by the same gunicorn on the same machine.

    .venv/bin/python bench/peer install           # bench/peer/.venv (skipped when current)
    .venv/bin/python bench/peer seed [--reseed]   # database bench_helpdesk (reused when seeded)
    .venv/bin/python bench/peer check             # serve it, load the ticket view once

- Installed apart: `python -m venv bench/peer/.venv` and `pip install -r requirements.txt` on
  first use; a hash of requirements.txt kept in the venv says when to reinstall. The app's
  own venv never sees Django.
- The Django project is `helpdesk_site/` (settings, URLs, the bare JSON view at /bare); it
  runs in the peer's venv only (`manage.py migrate`, gunicorn). This module runs in the app's
  venv: it writes the rows with psycopg (set-based SQL), like bench/seed_large.py.
- Its own database, `bench_helpdesk` (BENCH_HELPDESK_DB), never the suite's `test`: created
  if missing, schema by Django's migrations only, then one queue, 100,000 tickets and
  1,000,000 public follow-ups (~10 a ticket, Poisson) in one transaction, then VACUUM ANALYZE.
  A seed tag with the counts in the database comment means reuse.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from html import escape as html_escape
from pathlib import Path
from urllib.parse import quote

import common
import dashboard as harness
import seed_large
from psycopg import sql

PEER_DIR = Path(__file__).resolve().parent
VENV = PEER_DIR / ".venv"
PYTHON = VENV / "bin" / "python"
REQUIREMENTS = PEER_DIR / "requirements.txt"
STAMP = VENV / "bench-requirements.sha256"
DB_NAME = os.environ.get("BENCH_HELPDESK_DB", "bench_helpdesk")
if DB_NAME in ("test", common.DB_NAME):
    raise SystemExit(f"the peer must not use the {DB_NAME!r} database")

NAME = "django-helpdesk 2.6.1"
QUEUE_SLUG = "support"
FOLLOWUPS_SHOWN = 10  # the ticket the bench loads has exactly this many public follow-ups
AGENTS = 28  # staff users who write the follow-ups (Clearpath's bench has 28 agents)
# Marks one follow-up in the public ticket view's HTML (helpdesk/public_view_ticket.html).
FOLLOWUP_MARK = "class='followup well card'"


@dataclass(frozen=True)
class Size:
    tickets: int
    followups: int

    @property
    def tag(self) -> str:
        return (f"{NAME} bench seed v2: 1 queue, {self.tickets} tickets, "
                f"{self.followups} public follow-ups")


FULL = Size(tickets=100_000, followups=1_000_000)


# ------------------------------------------------------------------------------ installing
def requirements_hash() -> str:
    return hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()


def ensure_installed(log=print) -> None:
    """Create bench/peer/.venv and install requirements.txt, unless already current."""
    digest = requirements_hash()
    if PYTHON.exists() and STAMP.exists() and STAMP.read_text().strip() == digest:
        return
    log(f"installing {NAME} into {VENV} (python -m venv, pip install -r requirements.txt)…",
        flush=True)
    started = time.monotonic()
    if VENV.exists():
        shutil.rmtree(VENV)
    _run([sys.executable, "-m", "venv", str(VENV)], timeout=300)
    _run([str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "--quiet",
          "-r", str(REQUIREMENTS)], timeout=900)
    STAMP.write_text(digest + "\n")
    log(f"  installed in {time.monotonic() - started:.0f} s")


def _run(command: list[str], *, timeout: float, env: dict | None = None) -> str:
    try:
        done = subprocess.run(command, cwd=PEER_DIR, env=env, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise SystemExit(f"{' '.join(command[:4])}… did not finish within {timeout:.0f} s") \
            from exc
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"{' '.join(command[:4])}… failed ({done.returncode})")
    return done.stdout


def environment() -> dict[str, str]:
    """The peer's processes (migrate, gunicorn): its database and settings, no app variables."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PORTAL_", "FLASK_", "VIRTUAL_ENV", "PYTHONPATH"))}
    env.update(DJANGO_SETTINGS_MODULE="helpdesk_site.settings", BENCH_HELPDESK_DB=DB_NAME,
               BENCH_PG_HOST=common.PG_HOST, BENCH_PG_PORT=str(common.PG_PORT),
               BENCH_PG_USER=common.PG_USER)
    return env


def migrate() -> None:
    _run([str(PYTHON), "manage.py", "migrate", "--noinput"], timeout=600, env=environment())


# --------------------------------------------------------------------------------- seeding
def database_exists() -> bool:
    with common.connect("postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                            (DB_NAME,)).fetchone() is not None


def create_database(*, drop_first: bool = False) -> None:
    with common.connect("postgres", autocommit=True) as conn:
        if drop_first:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(DB_NAME)))
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                            (DB_NAME,)).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB_NAME)))


def counts(conn) -> dict[str, int]:
    return {
        "queues": conn.execute("SELECT count(*) FROM helpdesk_queue").fetchone()[0],
        "tickets": conn.execute("SELECT count(*) FROM helpdesk_ticket").fetchone()[0],
        "followups": conn.execute(
            "SELECT count(*) FROM helpdesk_followup WHERE public").fetchone()[0],
    }


def is_seeded(size: Size = FULL) -> bool:
    with common.connect(DB_NAME) as conn:
        comment = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            (DB_NAME,)).fetchone()[0]
        if comment != size.tag:
            return False
        return counts(conn) == {"queues": 1, "tickets": size.tickets,
                                "followups": size.followups}


def ensure_seeded(size: Size = FULL, *, reseed: bool = False, log=print) -> None:
    """Install, create, migrate and seed the peer's database unless it holds this data set."""
    ensure_installed(log)
    if not reseed and database_exists():
        migrate()  # a no-op at head
        if is_seeded(size):
            log(f"peer database {DB_NAME!r} already seeded ({size.tag})")
            return
        log(f"peer database {DB_NAME!r} is not (fully) seeded: rebuilding it")
        reseed = True
    log(f"creating database {DB_NAME!r} and migrating it (Django migrate)…", flush=True)
    create_database(drop_first=reseed)
    migrate()
    seed(size, log=log)


def seed(size: Size = FULL, *, log=print) -> None:
    """One queue, the tickets and their public follow-ups in ONE transaction; VACUUM ANALYZE.

    Texts are Clearpath's bench texts (bench/seed_large.py: customer notes, status notes,
    customer comments, the problems), so a follow-up is as long as a Clearpath update."""
    started = time.monotonic()
    areas = seed_large.area_vocabulary()["areas"]
    texts = {"areas": areas, "n_areas": len(areas),
             "problems": seed_large.PROBLEMS, "n_problems": len(seed_large.PROBLEMS),
             "notes": seed_large.CUSTOMER_NOTES, "n_notes": len(seed_large.CUSTOMER_NOTES),
             "status": seed_large.STATUS_NOTES, "n_status": len(seed_large.STATUS_NOTES),
             "comments": seed_large.CUSTOMER_COMMENTS,
             "n_comments": len(seed_large.CUSTOMER_COMMENTS),
             "first": seed_large.FIRST_NAMES, "last": seed_large.LAST_NAMES,
             "tickets": size.tickets, "followups": size.followups, "agents": AGENTS}
    with common.connect(DB_NAME) as conn, conn.cursor() as cur:
        cur.execute("SET LOCAL synchronous_commit = off")
        cur.execute("SET LOCAL work_mem = '256MB'")
        cur.execute("SELECT setseed(0.42)")
        t0 = time.monotonic()
        # Staff who answer (an unusable password: nobody signs in; the public view needs none).
        cur.execute("""
            INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name,
                                   email, is_staff, is_active, date_joined)
            SELECT g, '!', false, format('agent%%s', lpad(g::text, 2, '0')),
                   (%(first)s::text[])[1 + g %% 20], (%(last)s::text[])[1 + (g * 7) %% 20],
                   format('agent%%s@vendor.bench.example', lpad(g::text, 2, '0')),
                   true, true, now() - interval '3 years'
            FROM generate_series(1, %(agents)s) g""", texts)
        cur.execute("""
            INSERT INTO helpdesk_queue (id, title, slug, email_address, allow_public_submission,
                                        allow_email_submission, email_box_ssl,
                                        enable_notifications_on_email_events)
            VALUES (1, 'Customer Support', %s, 'support@vendor.bench.example', true, false,
                    false, false)""", (QUEUE_SLUG,))
        # Tickets: one every ~10 minutes over ~2 years (id order = opening order); the newest
        # tenth mostly open, older ones resolved or closed. 5,000 submitters (500 companies).
        cur.execute("""
            INSERT INTO helpdesk_ticket (id, title, created, modified, submitter_email, status,
                                         on_hold, description, resolution, priority,
                                         assigned_to_id, queue_id, secret_key)
            SELECT g, initcap(p.problem) || ' in ' || a.area,
                   t.created, t.created, format('user%%s@org-%%s.bench.example',
                                                g %% 10, lpad((1 + g %% 500)::text, 3, '0')),
                   s.status, false,
                   format('Since this morning we see %%s in %%s. About one request in ten is '
                          'affected, mostly from our Frankfurt office; retries sometimes '
                          'succeed. This blocks our operations team. Request ids and '
                          'timestamps are below.', p.problem, a.area),
                   CASE WHEN s.status IN (3, 4) THEN format(
                       'Fixed: the cause of %%s in %%s was found and a fix deployed to every '
                       'region. Error rates are back to normal.', p.problem, a.area) END,
                   1 + g %% 5, 1 + g %% %(agents)s, 1,
                   md5('ticket-' || g)::uuid::text
            FROM generate_series(1, %(tickets)s) g
            CROSS JOIN LATERAL (SELECT now() - (%(tickets)s - g) * interval '10 minutes'
                                       - random() * interval '5 minutes' AS created) t
            CROSS JOIN LATERAL (SELECT (%(problems)s::text[])[1 + g %% %(n_problems)s]
                                       AS problem) p
            CROSS JOIN LATERAL (SELECT (%(areas)s::text[])[1 + (g * 7) %% %(n_areas)s]
                                       AS area) a
            CROSS JOIN LATERAL (SELECT CASE
                WHEN g > %(tickets)s * 0.9 AND random() < 0.8
                    THEN (ARRAY[1, 1, 1, 2])[1 + g %% 4]
                ELSE (ARRAY[3, 4, 4])[1 + g %% 3] END AS status) s""", texts)
        log(f"  1 queue, {AGENTS} agents, {size.tickets:,} tickets: "
            f"{time.monotonic() - t0:.1f} s", flush=True)
        t0 = time.monotonic()
        # Follow-ups: each on a uniformly random ticket (~10 a ticket, Poisson), over the
        # ticket's life (two weeks for a closed one), all public: staff notes and status notes
        # by an agent, customer replies by the submitter (no user), in Clearpath's bench
        # wording, lengths and mix (its customer-visible updates: 70 % notes, 15 % status
        # notes, 15 % comments).
        cur.execute("""
            INSERT INTO helpdesk_followup (date, title, comment, public, new_status, ticket_id,
                                           user_id)
            SELECT t.created + f.r1 * CASE WHEN t.status IN (3, 4)
                       THEN interval '14 days' ELSE now() - t.created END,
                   CASE k.kind WHEN 'comment' THEN 'Comment from submitter'
                               WHEN 'status' THEN 'Status changed'
                               ELSE 'Follow-up' END,
                   replace(CASE k.kind
                       WHEN 'comment' THEN (%(comments)s::text[])[1 + f.g %% %(n_comments)s]
                       WHEN 'status' THEN (%(status)s::text[])[1 + f.g %% %(n_status)s]
                       ELSE (%(notes)s::text[])[1 + f.g %% %(n_notes)s] END,
                       '{area}', (%(areas)s::text[])[1 + (t.id * 7) %% %(n_areas)s]),
                   true, NULL, t.id,
                   CASE WHEN k.kind = 'comment' THEN NULL ELSE 1 + f.g %% %(agents)s END
            FROM (SELECT g, 1 + floor(random() * %(tickets)s)::int AS ticket_id,
                         random() AS r1, random() AS r2
                  FROM generate_series(1, %(followups)s) g) f
            JOIN helpdesk_ticket t ON t.id = f.ticket_id
            CROSS JOIN LATERAL (SELECT CASE WHEN f.r2 < 0.15 THEN 'comment'
                                            WHEN f.r2 < 0.30 THEN 'status'
                                            ELSE 'note' END AS kind) k""", texts)
        log(f"  {size.followups:,} follow-ups: {time.monotonic() - t0:.1f} s", flush=True)
        t0 = time.monotonic()
        cur.execute("""
            UPDATE helpdesk_ticket t SET modified = f.last
            FROM (SELECT ticket_id, max(date) AS last FROM helpdesk_followup GROUP BY 1) f
            WHERE f.ticket_id = t.id""")
        for table in ("auth_user", "helpdesk_queue", "helpdesk_ticket", "helpdesk_followup"):
            cur.execute(sql.SQL("SELECT setval(pg_get_serial_sequence({}, 'id'), "
                                "(SELECT max(id) FROM {}))").format(
                sql.Literal(table), sql.Identifier(table)))
        cur.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(
            sql.Identifier(DB_NAME), sql.Literal(size.tag)))
        log(f"  ticket modified times, sequences: {time.monotonic() - t0:.1f} s")
    t0 = time.monotonic()
    with common.connect(DB_NAME, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    log(f"  VACUUM ANALYZE: {time.monotonic() - t0:.1f} s")
    log(f"seeded {DB_NAME!r} in {time.monotonic() - started:.0f} s")


# ------------------------------------------------------------------------- the ticket shown
@dataclass
class Ticket:
    id: int
    title: str
    email: str
    key: str
    followups: int
    comment_chars: float  # mean length of its follow-ups' text

    @property
    def url(self) -> str:
        """django-helpdesk's public ticket view (helpdesk/urls.py "public_view",
        views/public.py ViewTicket): ticket=<queue slug>-<id>, the submitter's e-mail and the
        ticket's secret key (what the ticket's e-mails link to: Ticket.ticket_url)."""
        return (f"/helpdesk/view/?ticket={QUEUE_SLUG}-{self.id}"
                f"&email={quote(self.email, safe='')}&key={self.key}")


def pick_ticket() -> Ticket:
    """The newest ticket with exactly FOLLOWUPS_SHOWN public follow-ups."""
    with common.connect(DB_NAME) as conn:
        row = conn.execute("""
            SELECT t.id, t.title, t.submitter_email, t.secret_key, count(*),
                   avg(length(f.comment))
            FROM helpdesk_ticket t JOIN helpdesk_followup f ON f.ticket_id = t.id AND f.public
            GROUP BY t.id HAVING count(*) = %s ORDER BY t.id DESC LIMIT 1""",
                           (FOLLOWUPS_SHOWN,)).fetchone()
    if row is None:
        raise SystemExit(f"no ticket with exactly {FOLLOWUPS_SHOWN} public follow-ups")
    return Ticket(*row[:5], comment_chars=float(row[5]))


# ---------------------------------------------------------------------------------- serving
class Server(harness.Server):
    """The peer under gunicorn from its own venv, with the flags Clearpath's server gets
    (bench/dashboard.py Server: free loopback port, bounded start, always stopped)."""

    def command(self) -> list[str]:
        return [str(PYTHON), "-m", "gunicorn", "helpdesk_site.wsgi:application",
                *self.gunicorn_flags(), "--chdir", str(PEER_DIR)]

    def environment(self) -> dict[str, str]:
        return environment()


def get(port: int, path: str, timeout: float = 30) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"User-Agent": harness.USER_AGENT})
        response = connection.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        connection.close()


def verify(port: int, ticket: Ticket) -> dict:
    """The ticket view answers 200 with the ticket and all its follow-ups in the HTML."""
    status, html = get(port, ticket.url)
    shown = html.count(FOLLOWUP_MARK)
    if status != 200 or shown != ticket.followups or html_escape(ticket.title) not in html:
        raise SystemExit(f"the peer's ticket view {ticket.url} answered {status} with {shown} "
                         f"follow-ups (expected 200 with {ticket.followups}):\n{html[:2000]}")
    return {"status": status, "followups_shown": shown, "bytes": len(html.encode())}


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("install", "seed", "check"))
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args(argv)
    if args.action == "install":
        ensure_installed()
        return 0
    ensure_seeded(reseed=args.reseed)
    ticket = pick_ticket()
    print(f"ticket {ticket.id} ({ticket.followups} public follow-ups, "
          f"{ticket.comment_chars:.0f} characters each on average): {ticket.url}")
    if args.action == "check":
        with Server(workers=2, threads=1, worker_class="sync") as server:
            print(f"GET {server.base}{ticket.url} → {verify(server.port, ticket)}")
    return 0
