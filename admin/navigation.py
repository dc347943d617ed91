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

from portal.permissions import Capability, can


@dataclass(frozen=True)
class NavEntry:
    label: str
    endpoint: str
    capability: Capability
    order: int
    count: Callable[[], int] | None = None  # a number shown beside the label (e.g. waiting)
    in_bar: bool = True  # False: in the "Administration" menu


MAIN: list[NavEntry] = []
ESCALATION_TABS: list[NavEntry] = []


def _register(entries: list[NavEntry], entry: NavEntry) -> None:
    if all(existing.endpoint != entry.endpoint for existing in entries):
        entries.append(entry)
        entries.sort(key=lambda item: item.order)


def main_entry(label: str, endpoint: str, *, order: int,
               capability: Capability = Capability.VIEW_CONSOLE,
               count: Callable[[], int] | None = None, in_bar: bool = False) -> None:
    """A link in the console's navigation: in the "Administration" menu unless `in_bar` (daily
    work); `count` (one query) shows a number beside it."""
    _register(MAIN, NavEntry(label, endpoint, capability, order, count, in_bar))


def escalation_tab(label: str, endpoint: str, *, order: int,
                   capability: Capability = Capability.VIEW_CONSOLE) -> None:
    """A tab on the escalation page; its endpoint takes `escalation_id`."""
    _register(ESCALATION_TABS, NavEntry(label, endpoint, capability, order))


def visible(entries: list[NavEntry], user) -> list[NavEntry]:
    return [entry for entry in entries if can(user, entry.capability)]
