"""A select's posted id becomes something every database can be asked about: blank is None,
a possible id is itself, anything else (too big, negative, not a number) is -1, which no row
has, so the operation refuses it beside its field (found by the hostile walk on PostgreSQL:
an out-of-range integer in a routing rule's or a drill scenario's choice answered 500)."""

import pytest

from portal.inputs import MAX_ID, choice_id


@pytest.mark.parametrize(("posted", "read"), [
    ("", None), (None, None), ("None", None), ("7", 7), (str(MAX_ID), MAX_ID),
    (str(MAX_ID + 1), -1), ("-2147483649", -1), ("0", -1), ("99999999999999999999", -1),
    ("seven", -1), ("٣", -1), (" 12 ", 12),
])
def test_a_posted_choice_id_is_always_one_the_database_can_hold(posted, read):
    assert choice_id(posted) == read
