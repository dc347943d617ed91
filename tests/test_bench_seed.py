"""The benchmarks' data set still fits the schema: `bench/seed_large.py --small` seeds a
database of its own after the app's migrations, and the app serves its pages from it. Without
this, the next migration could break the bench seed (raw set-based SQL) and nobody would know
until the next measurement."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql

from portal import create_app
from portal.config import TestConfig, settings_of
from portal.extensions import db
from tests.conftest import AuthActions

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import common  # noqa: E402  (bench/common.py: the bench password)
import seed_large  # noqa: E402


@pytest.fixture(scope="module")
def bench_database(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("the bench seed is PostgreSQL SQL; the PostgreSQL pass of the suite runs it")
    parts = urlsplit(database_url)
    name = f"bench_check_{os.getpid()}"
    server = f"host={parts.hostname} port={parts.port or 5432} user={parts.username}"
    with psycopg.connect(f"{server} dbname=postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
    env = dict(os.environ, BENCH_PG_HOST=parts.hostname, BENCH_PG_PORT=str(parts.port or 5432),
               BENCH_PG_USER=parts.username, BENCH_DB_NAME=name)
    seeded = subprocess.run([sys.executable, "bench/seed_large.py", "--small"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=600)
    try:
        assert seeded.returncode == 0, seeded.stdout + seeded.stderr
        yield f"postgresql+psycopg://{parts.username}@{parts.hostname}:{parts.port or 5432}" \
              f"/{name}", f"{server} dbname={name}"
    finally:
        with psycopg.connect(f"{server} dbname=postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))


def test_the_small_seed_is_complete(bench_database):
    _, dsn = bench_database
    with psycopg.connect(dsn) as conn:
        tag = conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                           "WHERE datname = current_database()").fetchone()[0]
        assert tag == seed_large.SMALL.tag
        assert seed_large.counts(conn) == {"organizations": seed_large.SMALL.organizations,
                                           "escalations": seed_large.SMALL.escalations,
                                           "updates": seed_large.SMALL.updates}


@pytest.mark.parametrize(("email", "pages"), [
    ("staff001@vendor.bench.example", ["/admin/", "/admin/?view=mine", "/admin/escalations/1"]),
    ("viewer@org-001.bench.example", ["/escalations", "/escalations?sort=severity",
                                      "/history"]),
])
def test_the_app_serves_the_seeded_data(bench_database, email, pages):
    url, _ = bench_database
    app = create_app(settings_of(TestConfig, DATABASE_URL=url))
    try:
        client = app.test_client()
        signed_in = AuthActions(client).login(email, common.BENCH_PASSWORD)
        assert signed_in.status_code == 302, signed_in.get_data(as_text=True)[:2000]
        for path in pages:
            response = client.get(path)
            assert response.status_code == 200, path
            assert "ESC-" in response.get_data(as_text=True), path
    finally:
        with app.app_context():
            db.engine.dispose()
