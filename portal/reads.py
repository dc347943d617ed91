"""Reads of plain columns that skip the ORM's execution, still under the session's tenancy.

`session.execute` runs every statement through the ORM's execution: its `do_orm_execute`
events, autoflush, execution options merged twice, an ORM result set up over the cursor's:
about as many function calls again as the Core execution beneath. A statement of plain
columns (no entity to load, identity map or relationship to fill) needs none of it; its rows
are the cursor's rows. `rows(statement, parameters)` runs such a statement on the session's
own connection (`connection.execute`, SQLAlchemy's Core execution: its compiled cache, its
events, so statement counts still see it) with exactly what the tenancy guard gives an ORM
read: `portal.isolation.scoped_read` scopes it as `_scope_statement` does (the same criteria,
the same scoped object for a statement executed again, the organization as a bound
parameter; an undecided session is refused), and SQLAlchemy compiles the loader criteria into
it as for an ORM read. Pending changes are flushed first, as autoflush would.

Use it for a prebuilt `select()` of columns (built once, e.g. under `functools.cache`, so its
scoped form and compiled SQL are made once per process) whose rows a page only reads. Not for
entities (Core rows hold no ORM objects) nor for writes (the ORM's write guards run in flush
and in `do_orm_execute`, both of which this skips).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Row, Select

from portal.database import read_connection
from portal.extensions import db
from portal.isolation import scoped_read


def rows(statement: Select, parameters: dict | None = None) -> Sequence[Row]:
    """The rows of `statement` (a `select()` of columns) for the request's session, under its
    tenancy decision. Raises TenancyUndecided before a decision, TypeError for anything but a
    select."""
    if not isinstance(statement, Select):
        raise TypeError(f"portal.reads runs select() statements only, not {type(statement)}")
    session = db.session()
    if session.autoflush:
        session.flush()  # returns at once when nothing is pending
    statement, parameters = scoped_read(session, statement, parameters)
    return read_connection(session).execute(statement, parameters).all()
