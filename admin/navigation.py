"""Where console pages announce themselves: the main navigation and the escalation page's tabs.

Each console module registers its own entries at import, so adding a page never means editing
a shared template. Entries show only to roles whose capability allows them.

The top bar holds the daily work (`in_bar=True`: the queue, handoffs, approvals, …); setup
pages and records (organizations, policies, the audit log, …) go in its "Administration" menu,
so the bar stays one row at 1280 px however many setup pages there are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import g

from portal.permissions import Capability, can


@dataclass(frozen=True)
class NavEntry:
    label: str
    endpoint: str
    capability: Capability
    order: int
    count: Callable[[], int] | None = None  # a number shown beside the label (e.g. waiting)
    in_bar: bool = True  # False: in the "Administration" menu
    #: The count as a column (a scalar subquery) for a viewer id, so a page that runs an
    #: aggregate statement anyway reads it there (`counts_ahead`) instead of in a query of its
    #: own. Remembered per viewer by whoever defines it (the same object each time).
    column: Callable[[int], Any] | None = None


MAIN: list[NavEntry] = []
ESCALATION_TABS: list[NavEntry] = []


def _register(entries: list[NavEntry], entry: NavEntry) -> None:
    if all(existing.endpoint != entry.endpoint for existing in entries):
        entries.append(entry)
        entries.sort(key=lambda item: item.order)


def main_entry(label: str, endpoint: str, *, order: int,
               capability: Capability = Capability.VIEW_CONSOLE,
               count: Callable[[], int] | None = None, in_bar: bool = False,
               column: Callable[[int], Any] | None = None) -> None:
    """A link in the console's navigation: in the "Administration" menu unless `in_bar` (daily
    work); `count` (one query) shows a number beside it, unless the page read it already with
    its own statement (`column`, see `counts_ahead`)."""
    if count is not None and column is not None:
        count = _read_ahead_or(endpoint, count)
    _register(MAIN, NavEntry(label, endpoint, capability, order, count, in_bar, column))


# ------------------------------------------------------------------------ counts read ahead
def counts_ahead(user) -> tuple[tuple[str, Any], ...]:
    """(endpoint, column) of every count `user`'s navigation shows that can be read as a
    column of a statement the page runs anyway (one statement fewer per count)."""
    return tuple((entry.endpoint, entry.column(user.id))
                 for entry in visible(MAIN, user) if entry.count and entry.column)


def read_ahead(counts: dict[str, int]) -> None:
    """The counts (by endpoint) a page read with its own statement, for this request's
    navigation."""
    g.nav_counts_ahead = counts


def _read_ahead_or(endpoint: str, count: Callable[[], int]) -> Callable[[], int]:
    def counted() -> int:
        ahead = g.get("nav_counts_ahead")
        if ahead is not None and endpoint in ahead:
            return ahead[endpoint] or 0
        return count()
    counted.__doc__ = count.__doc__
    return counted


def escalation_tab(label: str, endpoint: str, *, order: int,
                   capability: Capability = Capability.VIEW_CONSOLE) -> None:
    """A tab on the escalation page; its endpoint takes `escalation_id`."""
    _register(ESCALATION_TABS, NavEntry(label, endpoint, capability, order))


def visible(entries: list[NavEntry], user) -> list[NavEntry]:
    """The entries `user` may open (`can`): what their role grants, so worked out once per
    role and list of entries (a console page asks twice: for its counts and its links)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_staff:
        return []  # `can` grants nothing then
    key = (user.role, tuple(map(id, entries)))  # entries live as long as the app
    found = _VISIBLE.get(key)
    if found is None:
        found = _VISIBLE[key] = tuple(entry for entry in entries
                                      if can(user, entry.capability))
    return list(found)


_VISIBLE: dict[tuple, tuple[NavEntry, ...]] = {}
