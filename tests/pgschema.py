"""A PostgreSQL schema of a test's own, for tests that commit for real (several processes, the
live memo's notifications) instead of running in the suite's rolled-back transaction."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import sqlalchemy as sa


@contextmanager
def own_schema(database_url: str, prefix: str) -> Iterator[str]:
    """Create an empty schema in the test database; yield a URL whose connections use it
    (search_path); drop it afterwards. The caller migrates it."""
    schema = f"{prefix}_{os.getpid()}"
    url = database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    separator = "&" if urlsplit(url).query else "?"
    try:
        yield f"{url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        engine.dispose()
