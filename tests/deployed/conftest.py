"""One deployment per run, on the database the suite runs on (README "Deploying").

PostgreSQL (PORTAL_TEST_DATABASE_URL set): a schema of its own in the test database, Redis
(db 2 of 127.0.0.1:6379, emptied first) for the rate limits across workers. Otherwise SQLite:
a database file, as `make demo` serves it. Either way: `flask --app wsgi db upgrade`, the demo
world, gunicorn with deploy/gunicorn.conf.py (3 gthread workers), the scheduler as its own
process with every job each second, an aiosmtpd sink and a webhook receiver on loopback.

A missing PostgreSQL or Redis skips locally and fails with CI=true. When a test fails, the
processes' logs are printed with it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from tests.conftest import unavailable
from tests.deployed.stack import Deployment
from tests.deployed.visitor import Visitor
from tests.pgschema import own_schema

REDIS_URL = os.environ.get("DEPLOYED_REDIS_URL", "redis://127.0.0.1:6379/2")


def _redis_ready() -> str:
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL)
        client.flushdb()  # this run's counters only: the database is the deployed tests' own
        client.close()
    except redis.RedisError as exc:
        unavailable(f"Redis at {REDIS_URL} is unreachable: {exc}")
    return REDIS_URL


@pytest.fixture(scope="session")
def deployment(tmp_path_factory) -> Iterator[Deployment]:
    workdir = tmp_path_factory.mktemp("deployed")
    pg_url = os.environ.get("PORTAL_TEST_DATABASE_URL")
    with ExitStack() as cleanup:
        if pg_url:
            import sqlalchemy as sa

            redis_url = _redis_ready()
            try:
                url = cleanup.enter_context(own_schema(pg_url, "deployed"))
            except sa.exc.OperationalError as exc:
                unavailable(f"PostgreSQL at {pg_url} is unreachable: {exc.orig}")
            deployment = Deployment(url, workdir, redis_url=redis_url)
        else:
            deployment = Deployment(f"sqlite:///{workdir / 'clearpath.sqlite3'}", workdir)
        cleanup.callback(shutil.rmtree, deployment.report_cache, ignore_errors=True)
        cleanup.callback(deployment.stop)
        deployment.prepare()
        deployment.start_scheduler()
        deployment.start_web()
        yield deployment


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(autouse=True)
def _logs_on_failure(request, deployment):
    """Print every process's log when a test fails (pytest shows it with the failure)."""
    yield
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        print(deployment.logs())


@pytest.fixture
def visitor(deployment) -> Iterator[Visitor]:
    """A fresh HTTP session (no cookies)."""
    person = Visitor(deployment.base_url)
    yield person
    person.close()


@pytest.fixture
def signed_in(deployment):
    """`signed_in(email)`: a fresh HTTP session signed in as that demo user."""
    people: list[Visitor] = []

    def sign_in(email: str) -> Visitor:
        person = Visitor(deployment.base_url)
        people.append(person)
        response = person.sign_in(email, deployment.facts["password"])
        assert response.status_code == 302, response.text[:2000]
        return person

    yield sign_in
    for person in people:
        person.close()
