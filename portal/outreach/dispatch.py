"""Dispatchers: claim due outbox rows, deliver them, record the outcome.

At-least-once, never twice by mistake (DESIGN.md invariant 5):
* Claiming marks rows `sending` with a lease and this dispatcher's token, in one short
  transaction. On PostgreSQL the candidates are read `FOR UPDATE SKIP LOCKED`, so several
  dispatchers never claim the same row; the claiming UPDATE re-checks that each row is still
  due, so on SQLite (where candidates are read before the write lock is taken) a second
  dispatcher claims nothing another one claimed first.
* A row whose lease ran out (its dispatcher died) is due again.
* The lease is kept alive for as long as the batch takes (`portal.notices.lease`): before
  each send, once half the lease has passed, the unfinished rows are renewed; a row that is
  no longer ours is not sent (`DispatchReport.lost`).
* The outcome is written only if the row is still ours (same token), so a dispatcher that
  outlived its lease cannot overwrite the one that took over. Outcomes are committed every
  few rows or a fraction of a second: a dispatcher killed mid-batch re-sends at most the rows
  it had in flight (one, with a slow receiver).
* Transient failures retry with capped exponential backoff and full jitter; permanent ones,
  and the last attempt, go to the dead letters.
"""

from __future__ import annotations

import logging
import random
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.clock import now
from portal.escalations.models import Escalation
from portal.extensions import db
from portal.notices import channels, destinations, signing
from portal.notices.lease import Lease
from portal.notices.models import (
    Channel,
    DeliveryAttempt,
    Notice,
    NoticeStatus,
    WebhookEndpoint,
)
from portal.outreach import emails, rendering

log = logging.getLogger(__name__)


@dataclass
class DispatchReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0
    lost: int = 0  # claimed, but the lease passed to another dispatcher before the send


def backoff(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """Delay before attempt `attempts + 1`: base·2^(attempts−1), capped, with full jitter
    in its upper half (so retries spread out but never come sooner than half the step)."""
    config = current_app.config
    step = min(config["NOTICE_BACKOFF_CAP_SECONDS"],
               config["NOTICE_BACKOFF_BASE_SECONDS"] * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=step * (0.5 + 0.5 * (rng or random).random()))


def _due(at):
    return and_(
        Notice.digest.is_(False),
        or_(
            and_(Notice.status.in_([NoticeStatus.PENDING, NoticeStatus.FAILED]),
                 Notice.next_attempt_at <= at),
            and_(Notice.status == NoticeStatus.SENDING, Notice.lease_until < at),
        ),
    )


def claim(limit: int) -> tuple[str, list[int]]:
    """Claim up to `limit` due notices for this dispatcher; commits. Returns (token, ids):
    only the rows this UPDATE found still due, so two dispatchers never claim one row."""
    at = now()
    token = secrets.token_hex(16)
    candidates = (
        select(Notice.id).where(_due(at)).order_by(Notice.next_attempt_at, Notice.id)
        .limit(limit).with_for_update(skip_locked=True)
    )
    ids = list(db.session.scalars(candidates))
    if ids:
        lease = timedelta(seconds=current_app.config["NOTICE_LEASE_SECONDS"])
        claimed = set(db.session.scalars(
            update(Notice).where(Notice.id.in_(ids), _due(at))
            .values(status=NoticeStatus.SENDING, claimed_by=token, lease_until=at + lease,
                    attempts=Notice.attempts + 1)
            .returning(Notice.id)
            .execution_options(synchronize_session=False)
        ))
        ids = [notice_id for notice_id in ids if notice_id in claimed]
    db.session.commit()
    return token, ids


def _deliver(notice: Notice, smtp: channels.SmtpSession) -> int | None:
    """Send one notice; a webhook's answer (its HTTP status) is returned for the log."""
    if notice.channel == Channel.EMAIL:
        if smtp.unreachable:
            raise channels.TransientDeliveryError(
                f"{smtp.unreachable} (not tried: the server was unreachable for this batch)")
        smtp.send(notice.key, emails.render(notice))
        return None
    endpoint = db.session.get(WebhookEndpoint, notice.webhook_endpoint_id
                              or notice.context.get("endpoint_id"))
    if endpoint is None:
        raise channels.PermanentDeliveryError("webhook endpoint removed")
    if endpoint.paused:
        raise channels.PermanentDeliveryError("webhook endpoint paused: not sent")
    try:  # again now: DNS may have changed since the save (the connection checks once more)
        destinations.check_url(endpoint.url)
    except destinations.UnsafeDestination as exc:
        raise channels.PermanentDeliveryError(f"refused: {exc}") from exc
    at = now()
    return channels.post_webhook(notice.key, endpoint.url, signing.secrets_in_force(endpoint, at),
                                 notice.context.get("payload", {}),
                                 timestamp=int(at.timestamp()))


class _Outcomes:
    """Outcomes written only while the row is still ours (same token, still sending), and
    committed together every few rows or a fraction of a second rather than once per row: a
    crash between two commits re-sends at most those rows after the lease — which
    at-least-once allows — while a fast batch does not pay one transaction per message. A
    slow receiver (each send longer than RECORD_EVERY_SECONDS) gets each outcome committed as
    it comes, so a crash re-sends only the message in flight. The rows are written only at
    the commit, so on SQLite no write lock is held while messages are sent."""

    def __init__(self, token: str):
        self.token = token
        self.sent: list[int] = []
        self.other: list[tuple[int, dict]] = []
        self.attempts: list[dict] = []  # webhook tries, for their delivery log
        self.since = time.monotonic()

    def _update(self, ids: list[int], **values) -> None:
        db.session.execute(
            update(Notice)
            .where(Notice.id.in_(ids), Notice.claimed_by == self.token,
                   Notice.status == NoticeStatus.SENDING)
            .values(lease_until=None, **values)
            .execution_options(synchronize_session=False)
        )

    def delivered(self, notice_id: int) -> None:
        self.sent.append(notice_id)
        self._maybe_commit()

    def record(self, notice_id: int, **values) -> None:
        self.other.append((notice_id, values))
        self._maybe_commit()

    def tried(self, notice: Notice, started: float, at: datetime,
              error: Exception | None = None, status: int | None = None) -> None:
        """Note one webhook try (written with the outcomes, before them in the same commit)."""
        self.attempts.append({
            "notice_id": notice.id, "attempt": notice.attempts, "attempted_at": at,
            "duration_ms": round((time.monotonic() - started) * 1000),
            "response_status": getattr(error, "status", None) if error else status,
            "error": str(error)[:2000] if error else ""})

    def _maybe_commit(self) -> None:
        if len(self.sent) + len(self.other) >= RECORD_EVERY_ROWS or \
                time.monotonic() - self.since >= RECORD_EVERY_SECONDS:
            self.commit()

    def commit(self) -> None:
        if self.attempts:
            db.session.execute(insert(DeliveryAttempt), self.attempts)
        if self.sent:
            self._update(self.sent, status=NoticeStatus.SENT, sent_at=now(), last_error="")
        for notice_id, values in self.other:
            self._update([notice_id], **values)
        db.session.commit()
        self.sent, self.other, self.attempts = [], [], []
        self.since = time.monotonic()


RECORD_EVERY_ROWS = 50
RECORD_EVERY_SECONDS = 0.25


def _load_batch(ids: list[int]) -> tuple[list[Notice], list]:
    """The claimed notices, and their recipients and escalations loaded alongside (kept
    referenced so rendering finds them in the session instead of querying per message)."""
    notices = db.session.scalars(
        select(Notice).where(Notice.id.in_(ids)).order_by(Notice.next_attempt_at, Notice.id)
    ).all()
    user_ids = {n.recipient_user_id for n in notices if n.recipient_user_id}
    escalation_ids = {n.escalation_id or (n.context or {}).get("escalation_id")
                      for n in notices} - {None}
    related: list = []
    if user_ids:
        related += db.session.scalars(select(User).where(User.id.in_(user_ids))
                                      .options(selectinload(User.organization))).all()
    if escalation_ids:
        related += db.session.scalars(
            select(Escalation).where(Escalation.id.in_(escalation_ids))
            .options(selectinload(Escalation.organization), selectinload(Escalation.owner))
        ).all()
    return list(notices), related


def deliver_claimed(token: str, ids: list[int], report: DispatchReport, *,
                    claimed_at: datetime | None = None) -> None:
    """Deliver the rows `token` claimed at `claimed_at` (unknown: the lease is checked
    before the first send). Rows no longer ours are not sent; the report counts them lost."""
    session = db.session()
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    outcomes = _Outcomes(token)
    held = Lease(token, ids, seconds=current_app.config["NOTICE_LEASE_SECONDS"],
                 taken_at=claimed_at)
    if claimed_at is None:
        held.renew()
    try:
        notices, _related = _load_batch(ids)
        with channels.SmtpSession() as smtp, rendering.rendering_batch():
            _deliver_each(notices, report, smtp, outcomes, held)
    finally:
        outcomes.commit()
        session.expire_on_commit = expire_on_commit
        session.expire_all()


def _deliver_each(notices: list[Notice], report: DispatchReport, smtp: channels.SmtpSession,
                  outcomes: _Outcomes, held: Lease) -> None:
    max_attempts = current_app.config["NOTICE_MAX_ATTEMPTS"]
    for notice in notices:
        if not held.keep(notice.id, before_renewal=outcomes.commit):
            report.lost += 1
            continue
        held.finished(notice.id)  # from here on its outcome is recorded, whatever it is
        started, at = time.monotonic(), now()
        webhook = notice.channel == Channel.WEBHOOK
        try:
            answered = _deliver(notice, smtp)
        except Exception as exc:
            if webhook:
                outcomes.tried(notice, started, at, error=exc)
            _failed(notice, exc, report, outcomes, max_attempts)
            continue
        if webhook:
            outcomes.tried(notice, started, at, status=answered)
        report.sent += 1
        if answered is None:
            outcomes.delivered(notice.id)
        else:  # a webhook: its status code goes in the endpoint's delivery log
            outcomes.record(notice.id, status=NoticeStatus.SENT, sent_at=now(), last_error="",
                            response_status=answered)


def _failed(notice: Notice, exc: Exception, report: DispatchReport, outcomes: _Outcomes,
            max_attempts: int) -> None:
    """Record a failed try: dead when permanent or out of attempts, else retried later."""
    if isinstance(exc, channels.PermanentDeliveryError | rendering.UndeliverableNotice):
        report.dead += 1
        outcomes.record(notice.id, status=NoticeStatus.DEAD, last_error=str(exc)[:2000],
                        **_answer(exc))
        return
    # Transient by nature, or a bug: retry, and say so in the log.
    if not isinstance(exc, channels.TransientDeliveryError):
        log.exception("unexpected error delivering notice %s", notice.id)
    if notice.attempts >= max_attempts:
        report.dead += 1
        outcomes.record(notice.id, status=NoticeStatus.DEAD,
                        last_error=f"gave up after {notice.attempts} attempts: {exc}"[:2000],
                        **_answer(exc))
    else:
        report.retried += 1
        outcomes.record(notice.id, status=NoticeStatus.FAILED,
                        next_attempt_at=now() + backoff(notice.attempts),
                        last_error=str(exc)[:2000], **_answer(exc))


def _answer(exc: Exception) -> dict:
    """The receiver's HTTP status for the log (None when there was no answer)."""
    return {"response_status": getattr(exc, "status", None)}


def dispatch_once(limit: int | None = None) -> DispatchReport:
    """Claim one batch of due notices and deliver it. Runs unscoped (a job)."""
    report = DispatchReport()
    claimed_at = now()
    token, ids = claim(limit or current_app.config["NOTICE_BATCH_SIZE"])
    report.claimed = len(ids)
    deliver_claimed(token, ids, report, claimed_at=claimed_at)
    if ids:
        log.info("dispatched %s", report)
    return report


def dispatch_all(max_batches: int = 1000) -> DispatchReport:
    """Keep dispatching until nothing is due (bounded)."""
    total = DispatchReport()
    for _ in range(max_batches):
        report = dispatch_once()
        for name in ("claimed", "sent", "retried", "dead", "lost"):
            setattr(total, name, getattr(total, name) + getattr(report, name))
        if not report.claimed:
            break
    return total
