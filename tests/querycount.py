"""Counting the SQL statements a block runs: the tests' "constant number of queries" checks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from portal.extensions import db

DATA_STATEMENTS = ("SELECT", "WITH", "INSERT", "UPDATE", "DELETE")  # not BEGIN, SAVEPOINT, …


@contextmanager
def counted_queries(app=None, kinds: tuple[str, ...] | None = DATA_STATEMENTS
                    ) -> Iterator[list[str]]:
    """`with counted_queries(app) as statements:` lists the statements run inside the block
    whose first word is one of `kinds` (None: every statement). Without `app`, the current
    session's engine (inside an app context)."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if kinds is None or statement.lstrip().split(None, 1)[0].upper() in kinds:
            statements.append(statement)

    if app is None:
        engine = db.session.get_bind().engine
    else:
        with app.app_context():
            engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
