"""Reads for the console's delivery log. Statements, so views paginate and count them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from portal.escalations.models import Escalation
from portal.extensions import db
from portal.notices.models import (
    Channel,
    Notice,
    NoticeStatus,
    ScheduledNotice,
    ScheduleStatus,
)


@dataclass(frozen=True)
class DeliveryFilters:
    status: NoticeStatus | None = None
    channel: Channel | None = None
    event: str | None = None
    organization_id: int | None = None
    escalation_id: int | None = None
    scheduled_notice_id: int | None = None

    def criteria(self) -> list:
        found = []
        if self.status is not None:
            found.append(Notice.status == self.status)
        if self.channel is not None:
            found.append(Notice.channel == self.channel)
        if self.event:
            found.append(Notice.event == self.event)
        if self.organization_id is not None:
            found.append(Notice.organization_id == self.organization_id)
        if self.escalation_id is not None:
            found.append(Notice.escalation_id == self.escalation_id)
        if self.scheduled_notice_id is not None:
            found.append(Notice.scheduled_notice_id == self.scheduled_notice_id)
        return found


def delivery_log(filters: DeliveryFilters) -> Select:
    """Notices matching the filters, newest first."""
    return select(Notice).where(*filters.criteria()).order_by(Notice.id.desc())


def status_counts(filters: DeliveryFilters) -> dict[NoticeStatus, int]:
    """How many notices match per status, ignoring the status filter (one query)."""
    without_status = DeliveryFilters(**{**filters.__dict__, "status": None})
    counts = dict.fromkeys(NoticeStatus, 0)
    for status, count in db.session.execute(
            select(Notice.status, func.count()).where(*without_status.criteria())
            .group_by(Notice.status)):
        counts[status] = count
    return counts


def schedules_of(escalation_id: int) -> Select:
    """An escalation's scheduled notices: active first, by next send, newest first."""
    return (select(ScheduledNotice).where(ScheduledNotice.escalation_id == escalation_id)
            .order_by(ScheduledNotice.status, ScheduledNotice.next_send_at,
                      ScheduledNotice.id.desc()))


def events_in_outbox() -> list[str]:
    return list(db.session.scalars(select(Notice.event).distinct().order_by(Notice.event)))


def reference_of(escalation_id: int | None) -> str | None:
    """The public reference without loading the escalation."""
    if escalation_id is None:
        return None
    return Escalation.reference_of(escalation_id)


def schedules(*, active_only: bool) -> Select:
    """Scheduled notices with their escalation and author: active first, by next send."""
    stmt = select(ScheduledNotice).options(
        selectinload(ScheduledNotice.escalation), selectinload(ScheduledNotice.created_by))
    if active_only:
        stmt = stmt.where(ScheduledNotice.status == ScheduleStatus.ACTIVE)
    return stmt.order_by(ScheduledNotice.status, ScheduledNotice.next_send_at,
                         ScheduledNotice.id.desc())


def queued_counts(schedule_ids: list[int]) -> dict[int, int]:
    """How many notices each schedule has queued so far (one query; none for no ids)."""
    if not schedule_ids:
        return {}
    return dict(db.session.execute(
        select(Notice.scheduled_notice_id, func.count())
        .where(Notice.scheduled_notice_id.in_(schedule_ids))
        .group_by(Notice.scheduled_notice_id)).all())


def sent_emails() -> Select:
    """Every email in the outbox, newest first."""
    return select(Notice).where(Notice.channel == Channel.EMAIL).order_by(Notice.id.desc())
