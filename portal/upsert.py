"""INSERT … ON CONFLICT for whichever database the session is on (SQLite and PostgreSQL share
the syntax, not the SQLAlchemy construct). Used wherever a row must be written once however
many processes try: outbox keys, SLA breaches, triage rows, on-call pages."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import db


def dialect_insert(table):
    """INSERT with ON CONFLICT support for the session's database."""
    name = db.session.get_bind().dialect.name
    return (postgresql if name == "postgresql" else sqlite).insert(table)
