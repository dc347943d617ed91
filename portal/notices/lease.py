"""A dispatcher's lease on the rows it claimed, kept alive for as long as its batch takes.

`claim()` leases a whole batch once; a batch that takes longer than the lease (a slow
receiver, a long batch) would otherwise fall due again while its first dispatcher is still
sending, and another dispatcher would send the same rows a second time. So before each send
the dispatcher asks its lease: once half the lease has passed since it was taken or last
renewed, the rows not yet finished are renewed in one conditional UPDATE (only rows still
claimed by this dispatcher and still `sending`), committed at once so other dispatchers see
it. A row that is no longer ours (the process stalled past its lease and another dispatcher
took the row) is lost to this dispatcher: it is not sent, and the report counts it.

So a row's lease always has at least half its length left when its send starts: the lease
(NOTICE_LEASE_SECONDS, 120 s) must stay above twice the longest single send, which the
channels' timeouts bound (SMTP 10 s, webhooks 5 s).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import update

from portal.clock import now
from portal.extensions import db
from portal.notices.models import Notice, NoticeStatus


class Lease:
    """The lease `token` holds on the claimed rows `ids`, taken at `taken_at` for `seconds`."""

    def __init__(self, token: str, ids: Iterable[int], *, seconds: float,
                 taken_at: datetime | None = None):
        self.token = token
        self.seconds = seconds
        self.held: set[int] = set(ids)
        self.lost: set[int] = set()
        self.renewed_at = taken_at or now()

    def finished(self, notice_id: int) -> None:
        """The row's outcome is written: it no longer needs the lease."""
        self.held.discard(notice_id)

    def keep(self, notice_id: int, before_renewal=None) -> bool:
        """True if this dispatcher may send the row now. Renews the lease of every unfinished
        row first when half of it has passed; `before_renewal` runs first (it writes the
        outcomes recorded so far, which the renewal's commit would otherwise carry)."""
        if notice_id in self.lost:
            return False
        if now() - self.renewed_at >= timedelta(seconds=self.seconds / 2):
            if before_renewal is not None:
                before_renewal()
            self.renew()
        return notice_id in self.held

    def renew(self) -> None:
        """Extend the lease of the unfinished rows still ours; the others are lost. Commits."""
        at = now()
        renewed = set()
        if self.held:
            renewed = set(db.session.scalars(
                update(Notice)
                .where(Notice.id.in_(sorted(self.held)), Notice.claimed_by == self.token,
                       Notice.status == NoticeStatus.SENDING)
                .values(lease_until=at + timedelta(seconds=self.seconds))
                .returning(Notice.id)
                .execution_options(synchronize_session=False)))
        db.session.commit()
        self.lost |= self.held - renewed
        self.held = renewed
        self.renewed_at = at
