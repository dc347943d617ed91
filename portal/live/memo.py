"""What one worker process remembers between requests, and forgets when the database says so.

Three kinds of entries, each derived from committed rows and dropped by the change feed
(portal.live.feed) when those rows change:

* user stamps: what deciding "is this cookie still a signed-in customer" needs (the session
  version, active flag, role, organization, timezone); dropped on "user:<id>";
* signed-in accounts: a detached copy of the user with their organization, so a request
  needs no statement to know who asks (the app's user loader); dropped on "user:<id>" (any
  change of the row) and on "organization:<id>" (any change of their organization's row);
* a person's own notification settings (portal.customer.notification_reads keeps only the
  empty ones: nothing muted, no active feed token); dropped on "user:<id>", which their
  subscriptions and feed tokens send too (migration 0038);
* the directory (the staff queue's owner and account choices): dropped on any "user:<id>" or
  "organization:<id>";
* dashboard summaries per (organization, query): the validator of the customer's view;
  dropped, all of an organization's at once, on "org:<id>";
* escalation page validators per (escalation, viewer): dropped on "escalation:<id>", and
  void once their organization's "org:<id>" arrives (checked when read);
* the staff queue's change stamp (one for everyone): dropped on "queue:0";
* rendered pages: a response the gate may send again, keyed by everything it was made from
  (its ETag, the viewer's stamp and CSRF secret); unreachable once a validator changes, and
  evicted least-recently-used within a count and a byte budget.

Nothing is remembered unless the feed is connected (`live`), and every fill carries a
`Ticket` taken before its database read: if a notification for that key (or a reconnect of
the feed) arrived in between, the fill is dropped, so a value read just before a change can
never outlive the change's notification.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

MAX_PAGES = 512
MAX_PAGE_BYTES = 64 * 1024 * 1024
MAX_ENTRIES = 50_000  # stamps and summaries each; beyond it, everything is forgotten at once


@dataclass(frozen=True)
class UserStamp:
    id: int
    session_version: int
    active: bool
    is_staff: bool
    organization_id: int | None
    role: str
    timezone: str

    @property
    def token(self) -> str:
        """Changes whenever anything a page shows about its viewer may have."""
        return ":".join(map(str, (self.id, self.session_version, self.role,
                                  self.organization_id, self.timezone)))


@dataclass(frozen=True)
class Ticket:
    epoch: int
    generation: int


@dataclass(frozen=True)
class CachedPage:
    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    nonce: str  # the CSP nonce rendered into body and headers, replaced on every replay


class Memo:
    def __init__(self, *, max_pages: int = MAX_PAGES, max_page_bytes: int = MAX_PAGE_BYTES):
        self._lock = threading.Lock()
        self._live = False
        self._epoch = 0
        self._generations: dict[tuple[str, int], int] = {}
        self._users: dict[int, UserStamp] = {}
        self._accounts: dict[int, Any] = {}  # user id → a detached User (organization loaded)
        self._settings: dict[int, Any] = {}  # user id → their notification settings
        self._organization_changes = 0
        self._directory: dict[str, Any] = {}
        self._directory_changes = 0
        self._summaries: dict[int, dict[Any, Any]] = {}
        # escalation id → {key: (value, the organization's generation when it was read)}
        self._escalations: dict[int, dict[Any, tuple[Any, int]]] = {}
        self._queue_stamp: Any = None
        self._pages: OrderedDict[tuple, CachedPage] = OrderedDict()
        self._page_bytes = 0
        self.max_pages, self.max_page_bytes = max_pages, max_page_bytes

    # -------------------------------------------------------------------------- the feed's side
    @property
    def live(self) -> bool:
        return self._live

    def reset(self, *, live: bool) -> None:
        """Forget everything (the feed connected, reconnected or dropped)."""
        with self._lock:
            self._live = live
            self._epoch += 1
            self._generations.clear()
            self._users.clear()
            self._accounts.clear()
            self._settings.clear()
            self._directory.clear()
            self._summaries.clear()
            self._escalations.clear()
            self._queue_stamp = None
            self._pages.clear()
            self._page_bytes = 0

    def changed(self, kind: str, key: int) -> None:
        """Rows behind ("user", id), ("org", id), ("escalation", id) or ("queue", 0) changed:
        drop what was derived from them."""
        with self._lock:
            self._generations[(kind, key)] = self._generations.get((kind, key), 0) + 1
            if kind in ("user", "organization"):
                self._directory_changes += 1
                self._directory.clear()
            if kind == "user":
                self._users.pop(key, None)
                self._accounts.pop(key, None)
                self._settings.pop(key, None)
            elif kind == "organization":
                self._organization_changes += 1
                self._accounts = {user_id: account for user_id, account in self._accounts.items()
                                  if account.organization_id != key}
            elif kind == "org":
                self._summaries.pop(key, None)
            elif kind == "escalation":
                self._escalations.pop(key, None)
            elif kind == "queue":
                self._queue_stamp = None

    # ------------------------------------------------------------------------- readers' side
    def ticket(self, kind: str, key: int) -> Ticket:
        """Take before reading the rows a value derives from; pass to the matching remember."""
        return Ticket(self._epoch, self._generations.get((kind, key), 0))

    def _still_valid(self, ticket: Ticket, kind: str, key: int) -> bool:
        return (self._live and ticket.epoch == self._epoch
                and ticket.generation == self._generations.get((kind, key), 0))

    def user(self, user_id: int) -> UserStamp | None:
        return self._users.get(user_id)

    def remember_user(self, ticket: Ticket, stamp: UserStamp) -> None:
        with self._lock:
            if self._still_valid(ticket, "user", stamp.id):
                if len(self._users) >= MAX_ENTRIES:
                    self._users.clear()
                self._users[stamp.id] = stamp

    def account_ticket(self, user_id: int) -> tuple[Ticket, int]:
        """Take before reading a user with their organization (whose id is not known yet):
        the user's ticket and the count of organization changes so far."""
        return self.ticket("user", user_id), self._organization_changes

    def account(self, user_id: int) -> Any:
        """The signed-in user's detached copy (never to be changed: merge it), or None."""
        return self._accounts.get(user_id)

    def remember_account(self, ticket: tuple[Ticket, int], user_id: int, account) -> None:
        user_ticket, organization_changes = ticket
        with self._lock:
            if (self._still_valid(user_ticket, "user", user_id)
                    and organization_changes == self._organization_changes):
                if len(self._accounts) >= MAX_ENTRIES:
                    self._accounts.clear()
                self._accounts[user_id] = account

    def settings(self, user_id: int) -> Any:
        """What the person chose for themselves (their notification settings), or None."""
        return self._settings.get(user_id)

    def remember_settings(self, ticket: Ticket, user_id: int, value) -> None:
        with self._lock:
            if self._still_valid(ticket, "user", user_id):
                if len(self._settings) >= MAX_ENTRIES:
                    self._settings.clear()
                self._settings[user_id] = value

    def directory_ticket(self) -> tuple[int, int]:
        return self._epoch, self._directory_changes

    def directory(self, key: str) -> Any:
        """A list of people or accounts (`key`) read while no user or organization changed."""
        return self._directory.get(key)

    def remember_directory(self, ticket: tuple[int, int], key: str, value) -> None:
        with self._lock:
            if self._live and ticket == (self._epoch, self._directory_changes):
                self._directory[key] = value

    def summary(self, organization_id: int, key) -> Any:
        return self._summaries.get(organization_id, {}).get(key)

    def remember_summary(self, ticket: Ticket, organization_id: int, key, value) -> None:
        with self._lock:
            if self._still_valid(ticket, "org", organization_id):
                if sum(map(len, self._summaries.values())) >= MAX_ENTRIES:
                    self._summaries.clear()
                self._summaries.setdefault(organization_id, {})[key] = value

    def escalation_summary(self, escalation_id: int, organization_id: int, key) -> Any:
        """An escalation page's validator for `key`, while neither the escalation nor its
        organization changed since it was read."""
        entry = self._escalations.get(escalation_id, {}).get(key)
        if entry is None:
            return None
        value, organization_generation = entry
        if organization_generation != self._generations.get(("org", organization_id), 0):
            return None
        return value

    def remember_escalation_summary(self, tickets: tuple[Ticket, Ticket], escalation_id: int,
                                    organization_id: int, key, value) -> None:
        """`tickets`: the escalation's and its organization's, taken before the read."""
        escalation_ticket, organization_ticket = tickets
        with self._lock:
            if (self._still_valid(escalation_ticket, "escalation", escalation_id)
                    and self._still_valid(organization_ticket, "org", organization_id)):
                if sum(map(len, self._escalations.values())) >= MAX_ENTRIES:
                    self._escalations.clear()
                self._escalations.setdefault(escalation_id, {})[key] = (
                    value, organization_ticket.generation)

    def queue_stamp(self) -> Any:
        return self._queue_stamp

    def remember_queue_stamp(self, ticket: Ticket, value) -> None:
        with self._lock:
            if self._still_valid(ticket, "queue", 0):
                self._queue_stamp = value

    def page(self, key: tuple) -> CachedPage | None:
        page = self._pages.get(key)
        if page is not None:
            with self._lock:
                if key in self._pages:
                    self._pages.move_to_end(key)
        return page

    def remember_page(self, tickets: tuple[tuple[Ticket, str, int], ...], key: tuple,
                      page: CachedPage) -> None:
        if len(page.body) > self.max_page_bytes // 8:
            return  # one page never crowds out the rest
        with self._lock:
            if not all(self._still_valid(t, kind, k) for t, kind, k in tickets):
                return
            old = self._pages.pop(key, None)
            if old is not None:
                self._page_bytes -= len(old.body)
            self._pages[key] = page
            self._page_bytes += len(page.body)
            while self._pages and (len(self._pages) > self.max_pages
                                   or self._page_bytes > self.max_page_bytes):
                _, evicted = self._pages.popitem(last=False)
                self._page_bytes -= len(evicted.body)

    def sizes(self) -> dict[str, int]:
        return {"users": len(self._users), "accounts": len(self._accounts),
                "settings": len(self._settings),
                "summaries": sum(map(len, self._summaries.values())),
                "escalations": sum(map(len, self._escalations.values())),
                "pages": len(self._pages), "page_bytes": self._page_bytes}
