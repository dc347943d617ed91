"""What the bench scripts share: where the bench database lives, how to reach it, how to run
the app's own migrations against it, and a free loopback port.

The bench never touches the test suite's `test` database (the suite drops its schema): it
owns a database of its own, `bench`, whose schema is made only by `flask db upgrade`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import psycopg
from psycopg import sql

BENCH_DIR = Path(__file__).resolve().parent
# The application tree under test: this repository, or another checkout of it (for example a
# baseline commit exported with `git archive`) named by BENCH_APP_ROOT.
ROOT = Path(os.environ.get("BENCH_APP_ROOT") or BENCH_DIR.parent).resolve()
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `import portal` when run as `python bench/<script>.py`

PG_HOST = os.environ.get("BENCH_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("BENCH_PG_PORT", "5432"))
PG_USER = os.environ.get("BENCH_PG_USER", "postgres")
DB_NAME = os.environ.get("BENCH_DB_NAME", "bench")
if DB_NAME == "test":
    raise SystemExit("the bench must not use the test suite's `test` database")

# A fixed key: the runner signs in over HTTP and every gunicorn worker must accept the cookie.
SECRET_KEY = "clearpath-bench-secret-key-not-for-production"
BENCH_PASSWORD = "clearpath-bench-2026"


def libpq_dsn(dbname: str = DB_NAME) -> str:
    return f"host={PG_HOST} port={PG_PORT} user={PG_USER} dbname={dbname}"


def sqlalchemy_url(dbname: str = DB_NAME) -> str:
    return f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{dbname}"


def connect(dbname: str = DB_NAME, **kwargs) -> psycopg.Connection:
    return psycopg.connect(libpq_dsn(dbname), **kwargs)


def app_environment() -> dict[str, str]:
    """The environment the app (migrations, gunicorn) runs with against the bench database."""
    env = dict(os.environ)
    env.update(
        PORTAL_DATABASE_URL=sqlalchemy_url(),
        PORTAL_SECRET_KEY=SECRET_KEY,
        PORTAL_SESSION_COOKIE_SECURE="false",  # plain HTTP on loopback
        PORTAL_RATELIMIT_STORAGE_URI="memory://",
        # The benchmarks sign an escalation manager in by password (README: two-factor).
        PORTAL_TWO_FACTOR_ENFORCE_REQUIRED="false",
        FLASK_APP="wsgi",
    )
    return env


def app_config() -> dict:
    """The same settings for an in-process app (the query counter)."""
    return {
        "DATABASE_URL": sqlalchemy_url(),
        "SECRET_KEY": SECRET_KEY,
        "SESSION_COOKIE_SECURE": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "TWO_FACTOR_ENFORCE_REQUIRED": False,
    }


def database_exists() -> bool:
    with connect("postgres", autocommit=True) as conn:
        return conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)
        ).fetchone() is not None


def create_database(*, drop_first: bool = False) -> None:
    """CREATE DATABASE bench (after dropping it with --reseed); its schema comes later."""
    with connect("postgres", autocommit=True) as conn:
        if drop_first:
            # FORCE ends leftover sessions on the bench database (an interrupted run's server).
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(DB_NAME)))
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB_NAME)))


def migrate() -> None:
    """The schema, only ever through the app's migrations: `flask --app wsgi db upgrade`."""
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT, env=app_environment(), capture_output=True, text=True,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"flask db upgrade failed in {ROOT}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def git_state() -> str:
    """Commit and whether the working tree has changes: the figures belong to this code."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "portal", "admin"],
                               cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return f"{ROOT} (not a git checkout)"
    return f"{commit}{' + uncommitted changes in portal/ or admin/' if dirty.strip() else ''}"
