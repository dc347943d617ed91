"""A scenario's script: its timeline of injected events, as validated rows.

Two ways in, one result. Structured rows (`{"minute": 5, "kind": "customer_comment", "text":
…}`, the API and the demo) or the console's line format, one event a line:

    5  | customer_comment | Any news? Our checkout has been failing for ten minutes.
    12 | monitoring_alert | p99 latency of checkout-api above 4 s
    20 | severity_raised  | The customer says every region is affected now.

Blank lines and lines starting with `#` are skipped. A bad line is refused by its number.
"""

from __future__ import annotations

from portal.drills.models import InjectionKind
from portal.operations import OperationError

MAX_MINUTE = 24 * 60  # a drill longer than a day is not a drill
MAX_EVENTS = 50
MAX_TEXT = 2000
KINDS = ", ".join(kind.value for kind in InjectionKind)


def _row(minute, kind, text, where: str) -> dict:
    if isinstance(minute, str):
        minute = minute.strip()
        if not minute.isdigit():
            raise OperationError(f"{where}: the minute must be a whole number, like 5.", "script")
        minute = int(minute)
    if isinstance(minute, bool) or not isinstance(minute, int) or not 0 <= minute <= MAX_MINUTE:
        raise OperationError(f"{where}: the minute must be between 0 and {MAX_MINUTE}.",
                             "script")
    try:
        kind = InjectionKind(str(kind).strip())
    except ValueError:
        raise OperationError(f"{where}: the kind must be one of {KINDS}.", "script") from None
    text = str(text or "").strip()
    if not text:
        raise OperationError(f"{where}: say what happens (the text after the kind).", "script")
    if len(text) > MAX_TEXT:
        raise OperationError(f"{where}: keep the text under {MAX_TEXT} characters.", "script")
    return {"minute": minute, "kind": kind.value, "text": text}


def _ordered(rows: list[dict]) -> list[dict]:
    if len(rows) > MAX_EVENTS:
        raise OperationError(f"A script holds at most {MAX_EVENTS} events.", "script")
    return sorted(rows, key=lambda row: row["minute"])  # stable: same minute, written order


def parse_lines(text: str) -> list[dict]:
    """The line format → validated rows in minute order. Raises OperationError naming the
    first bad line."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("|", 2)
        if len(parts) != 3:
            raise OperationError(f"Line {number}: write it as “minute | kind | text”.",
                                 "script")
        rows.append(_row(*parts, where=f"Line {number}"))
    return _ordered(rows)


def validate_rows(rows) -> list[dict]:
    """Structured rows → validated rows in minute order. Raises OperationError naming the
    first bad row (counting from 1)."""
    if not isinstance(rows, list):
        raise OperationError("The script is a list of events.", "script")
    checked = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise OperationError(f"Event {number}: give minute, kind and text.", "script")
        checked.append(_row(row.get("minute"), row.get("kind", ""), row.get("text", ""),
                            where=f"Event {number}"))
    return _ordered(checked)


def as_lines(rows: list[dict]) -> str:
    """Rows → the line format (the edit form shows a stored script this way)."""
    return "\n".join(f"{row['minute']} | {row['kind']} | {row['text']}" for row in rows)
