"""CSV downloads: streamed row by row, safe to open in a spreadsheet, and audited.

Every export is the list a person is looking at (their filters, their organization's rows
only: the same statements and tenancy scope as the page), written as it is read, so a
100,000-row queue never sits in memory. A spreadsheet runs a cell that starts with `=`, `+`,
`-` or `@` (or a tab or carriage return) as a formula: such text cells are written with a
leading apostrophe, which spreadsheets show as text and never run (OWASP "CSV injection").
Times are written in the reader's timezone, named in the column's heading.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from enum import Enum

from flask import Response, current_app, stream_with_context
from flask_login import current_user

from portal import audit
from portal.extensions import db
from portal.templating import viewer_zone
from portal.tenancy import clear_scope, current_scope, set_scope

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH = 500  # rows read (and their related rows looked up) per round trip


def cell(value) -> str | int | float:
    """One value as a spreadsheet should read it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime):
        return value.astimezone(viewer_zone()).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        value = getattr(value, "label", value.value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def time_heading(name: str) -> str:
    """A time column's heading names the zone its times are in."""
    return f"{name} ({viewer_zone().key})"


def batches(rows: Iterable, size: int = BATCH) -> Iterator[list]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def send_csv(name: str, heading: Sequence[str], rows: Iterable[Sequence], *,
             organization_id: int | None = None, **detail) -> Response:
    """Audit the export (committed before any byte leaves), then stream `rows` as
    `<name>.csv`: a lazy iterator of sequences (a generator), which runs no statement before
    the body is read."""
    viewer_zone()  # known now: the signed-in user's row is gone when the body is read
    audit.append("export.downloaded", actor=current_user, organization_id=organization_id,
                 export=name, **detail)
    db.session.commit()
    # The body is read after the view's request has torn down (its tenancy decision and
    # its session gone); the rows are read under the same decision, in a session of their own.
    scope = current_scope(db.session())

    def lines() -> Iterator[str]:
        session = db.session()
        set_scope(session, scope)
        try:
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            buffer.write("\ufeff")  # a byte-order mark: spreadsheets then read UTF-8 as UTF-8
            writer.writerow(heading)
            for row in rows:
                writer.writerow([cell(value) for value in row])
                if buffer.tell() > 16_384:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
            yield buffer.getvalue()
        finally:
            clear_scope(session)

    response = current_app.response_class(stream_with_context(lines()),
                                          mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
