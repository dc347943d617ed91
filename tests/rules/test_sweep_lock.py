"""One sweeper at a time per deployment: on PostgreSQL a sweep skips while another sweep of the
same database and schema holds the lock, and never because of a deployment in another schema.

Advisory locks belong to the whole database. With one fixed key, a scheduler in another schema
(another deployment, or the deployed-shape tests' scheduler sweeping every second) made this
schema's sweeps skip at random, and their notices went missing.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.rules.jobs import _TRY_SWEEP_LOCK
from tests.pgschema import own_schema
from tests.rules.helpers import sweep_at


@pytest.fixture
def postgres_url(database_url) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("advisory locks are PostgreSQL's; the PostgreSQL pass of the suite runs this")
    return database_url


def _holding_the_lock(url: str) -> sa.Connection:
    """A connection of another process's kind, in the middle of a sweep on `url`."""
    connection = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1),
                                  poolclass=sa.pool.NullPool).connect()
    assert connection.scalar(_TRY_SWEEP_LOCK) is True
    return connection


def test_a_sweep_in_the_same_schema_holds_this_one_off(postgres_url, staff_session):
    other = _holding_the_lock(postgres_url)
    try:
        assert sweep_at(0) == {"skipped": 1}
    finally:
        other.rollback()
        other.close()
    assert "skipped" not in sweep_at(1)


def test_a_sweep_in_another_schema_does_not(postgres_url, staff_session):
    with own_schema(postgres_url, "another_deployment") as elsewhere:
        other = _holding_the_lock(elsewhere)
        try:
            counts = sweep_at(0)
        finally:
            other.rollback()
            other.close()
    assert "skipped" not in counts
    assert "breaches" in counts
