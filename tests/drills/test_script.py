"""A scenario's script, as structured rows or lines: validated the same way, ordered by
minute (ties in written order), refused by the number of the first bad row or line."""

from __future__ import annotations

import pytest

from portal.drills.script import as_lines, parse_lines, validate_rows
from portal.operations import OperationError


def test_lines_and_rows_give_the_same_script_in_minute_order():
    """Same minute keeps the written order; the stored rows print back as the same lines."""
    text = "9 | internal_note | b\n2 | customer_comment | a | with a bar\n9 | monitoring_alert | c"
    rows = parse_lines(text)
    assert rows == [{"minute": 2, "kind": "customer_comment", "text": "a | with a bar"},
                    {"minute": 9, "kind": "internal_note", "text": "b"},
                    {"minute": 9, "kind": "monitoring_alert", "text": "c"}]
    assert validate_rows(rows) == rows
    assert parse_lines(as_lines(rows)) == rows


@pytest.mark.parametrize(("rows", "message"), [
    ([{"minute": 1, "kind": "internal_note", "text": "ok"}, {"minute": -1, "kind": "x"}],
     "Event 2: the minute must be between 0 and 1440."),
    ([{"minute": True, "kind": "internal_note", "text": "x"}], "Event 1: the minute"),
    ([{"minute": 3, "kind": "pager", "text": "x"}], "Event 1: the kind must be one of"),
    ([{"minute": 3, "kind": "internal_note"}], "Event 1: say what happens"),
    (["3 | internal_note | x"], "Event 1: give minute, kind and text."),
    ({"minute": 3}, "The script is a list of events."),
    ([{"minute": 3, "kind": "internal_note", "text": "x"}] * 51, "at most 50 events"),
])
def test_bad_structured_rows_are_refused_by_their_number(rows, message):
    with pytest.raises(OperationError, match=message) as refused:
        validate_rows(rows)
    assert refused.value.field == "script"
