"""A seam for escalations whose notices must stay inside a closed circle of people.

Queueing (`operations.enqueue_email`, `enqueue_webhooks` and the bulk `outbox` inserts) asks
`circle_of` / `circles_of` before anything is written: None means everyone the caller chose
may hear; a set of user ids means only they may (and no webhook, which is nobody's).

The notice layer sits below the escalation domains, so a domain that closes the circle
registers its answer here when it is imported (`portal.drills.audience`: a drill's
participants), the way console pages register their navigation entries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

Circle = frozenset[int]
_one: list[Callable[[int], Circle | None]] = []
_many: list[Callable[[Iterable[int]], dict[int, Circle]]] = []


def close_circle(one: Callable[[int], Circle | None],
                 many: Callable[[Iterable[int]], dict[int, Circle]]) -> None:
    """Register how to tell one escalation's circle (None: open) and many at once."""
    if one not in _one:
        _one.append(one)
        _many.append(many)


def circle_of(escalation_id: int | None) -> Circle | None:
    """The people who alone may hear about this escalation, or None when it is open."""
    if escalation_id is None:
        return None
    for answer in _one:
        circle = answer(escalation_id)
        if circle is not None:
            return circle
    return None


def circles_of(escalation_ids: Iterable[int | None]) -> dict[int, Circle]:
    """The closed circles among these escalations (bulk queueing: one statement per seam)."""
    ids = {i for i in escalation_ids if i is not None}
    circles: dict[int, Circle] = {}
    if ids:
        for answer in _many:
            circles.update(answer(ids))
    return circles
