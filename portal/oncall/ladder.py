"""The acknowledgement ladder, as arithmetic: who is asked next when nobody acknowledged.

Step 0 is the person on call when the escalation was routed. When that lapses, the next person
in the rotation after them (inactive people skipped; when the one on call was an override from
outside the rotation, the caller passes the order starting with the person they covered). When
that lapses, the team's manager. The ladder ends at the manager: nobody comes after. A step
that would ask the person already asked is skipped.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Rung:
    """Who is asked at a step, and whether they are the team's manager (the last rung)."""

    user_id: int
    to_manager: bool = False


def _manager(current: int | None, manager_id: int | None,
             active: Collection[int]) -> Rung | None:
    if manager_id is None or manager_id == current or manager_id not in active:
        return None
    return Rung(manager_id, to_manager=True)


def first_rung(on_call: int | None, manager_id: int | None,
               active: Collection[int]) -> Rung | None:
    """Step 0: the person on call, else (nobody on call) the manager, else nobody."""
    if on_call is not None and on_call in active:
        return Rung(on_call)
    return _manager(None, manager_id, active)


def next_person(members: Sequence[int], current: int, active: Collection[int]) -> int | None:
    """The next active person in the rotation after `current` (wrapping), never `current`."""
    if current in members:
        start = members.index(current) + 1
        order = list(members[start:]) + list(members[:start])
    else:
        order = list(members)
    return next((user for user in order if user != current and user in active), None)


def next_rung(*, step: int, current: int, to_manager: bool, members: Sequence[int],
              manager_id: int | None, active: Collection[int]) -> Rung | None:
    """Who is asked after `current` (asked at `step`) let the time lapse; None: the ladder
    ends here."""
    if to_manager:
        return None
    if step == 0:
        person = next_person(members, current, active)
        if person is not None:
            return Rung(person)
    return _manager(current, manager_id, active)
