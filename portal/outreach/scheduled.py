"""Scheduled proactive notices: an account manager's message to an escalation's customers,
once at a chosen time or every N hours until the escalation resolves.

The sweep (`queue_due_scheduled_notices`, job "due-scheduled-notices") only inserts outbox
rows, keyed `scheduled:<id>:<occurrence>:<user id>:email` with ON CONFLICT DO NOTHING; the
dispatchers deliver them like any other notice.

Missed occurrences (the scheduler was down for a while) are not sent in a burst: one sweep
queues one occurrence — the latest — and moves `next_send_at` to the next slot after now.
Customers get one current message rather than a pile of stale ones saying the same thing.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import Select, select, update
from sqlalchemy.orm import selectinload

from portal import audit
from portal.accounts.models import User
from portal.clock import now
from portal.enums import CUSTOMER_ROLES, OPEN_STATUSES, Role
from portal.escalations.models import Escalation, Subscription
from portal.escalations.placeholders import fill_placeholders, unknown_placeholders
from portal.extensions import db
from portal.notices.models import Audience, Notice, ScheduledNotice, ScheduleStatus
from portal.notices.outbox import email_row, insert_ignoring_duplicates, keeping_viewer_zone
from portal.operations import OperationError
from portal.outreach.rendering import render_email
from portal.permissions import can_publish_on

EVENT = "scheduled"
TEMPLATE = "scheduled_notice"
SUBJECT_MAX = 200
BODY_MAX = 10_000
MAX_REPEAT_HOURS = 24 * 14
SCHEDULE_AUDIENCES = (Audience.SUBSCRIBERS, Audience.EXECUTIVES, Audience.EVERYONE)
EDITABLE = ("subject", "body", "audience", "first_send_at", "repeat_hours", "next_send_at")


def scheduled_key(schedule_id: int, occurrence: int, user_id: int) -> str:
    return f"{EVENT}:{schedule_id}:{occurrence}:{user_id}:email"


def recipients_for(organization_id: int | None, audience: Audience,
                   escalation_id: int | None = None) -> Select:
    """Active customer users of the organization (None: of every one) in the audience.

    Subscribers are everyone who has not stopped following the escalation; executives and
    "everyone" are addressed as such, whether or not they follow it (the author chose them).
    """
    stmt = select(User).where(User.active.is_(True), User.role.in_(CUSTOMER_ROLES))
    if organization_id is not None:
        stmt = stmt.where(User.organization_id == organization_id)
    stmt = stmt.order_by(User.id)
    if audience == Audience.EXECUTIVES:
        stmt = stmt.where(User.role == Role.EXECUTIVE)
    elif audience == Audience.CUSTOMER_ADMINS:
        stmt = stmt.where(User.role == Role.CUSTOMER_ADMIN)
    elif audience == Audience.SUBSCRIBERS and escalation_id is not None:
        stmt = stmt.where(User.id.not_in(select(Subscription.user_id).where(
            Subscription.escalation_id == escalation_id, Subscription.subscribed.is_(False))))
    return stmt


# ---------------------------------------------------------------- operations (console)

def validate_schedule(escalation: Escalation, *, subject: str, body: str, audience: Audience,
              first_send_at: datetime | None, repeat_hours: int | None,
              creating: bool) -> None:
    if not subject.strip():
        raise OperationError("Write a subject.", "subject")
    if len(subject) > SUBJECT_MAX:
        raise OperationError(f"Keep the subject under {SUBJECT_MAX} characters.", "subject")
    if not body.strip():
        raise OperationError("Write the message.", "body")
    if len(body) > BODY_MAX:
        raise OperationError(f"Keep the message under {BODY_MAX:,} characters.", "body")
    for field, text in (("subject", subject), ("body", body)):
        unknown = unknown_placeholders(text)
        if unknown:
            raise OperationError("Unknown placeholder: " + ", ".join(
                "{" + name + "}" for name in unknown) + ".", field)
    if audience not in SCHEDULE_AUDIENCES:
        raise OperationError("Choose who receives it.", "audience")
    if first_send_at is None:
        raise OperationError("Choose when to send it.", "first_send_at")
    if creating and first_send_at < now() - timedelta(minutes=5):
        raise OperationError("That time has passed: choose a time from now on.",
                             "first_send_at")
    if repeat_hours is not None and not 1 <= repeat_hours <= MAX_REPEAT_HOURS:
        raise OperationError(f"Repeat every 1 to {MAX_REPEAT_HOURS} hours, or not at all.",
                             "repeat_hours")
    if not escalation.is_open:
        raise OperationError("This escalation is resolved: there is nothing to schedule.")


def schedule_notice(escalation: Escalation, *, actor: User, subject: str, body: str,
                    audience: Audience, first_send_at: datetime,
                    repeat_hours: int | None = None) -> ScheduledNotice:
    """Schedule a proactive notice. Raises PermissionError unless `actor` may publish on the
    escalation (`can_publish_on`), OperationError (with the field) on bad input."""
    if not can_publish_on(actor, escalation):
        raise PermissionError("this user may not publish to this customer")
    validate_schedule(escalation, subject=subject, body=body, audience=audience,
              first_send_at=first_send_at, repeat_hours=repeat_hours, creating=True)
    schedule = ScheduledNotice(
        escalation_id=escalation.id, organization_id=escalation.organization_id,
        subject=subject.strip(), body=body.strip(), audience=audience,
        first_send_at=first_send_at, repeat_hours=repeat_hours, next_send_at=first_send_at,
        status=ScheduleStatus.ACTIVE, created_by_id=actor.id)
    db.session.add(schedule)
    audit.record("scheduled_notice.created", actor=actor, obj=schedule,
                 escalation_id=escalation.id, audience=audience.value,
                 first_send_at=first_send_at.isoformat(), repeat_hours=repeat_hours)
    return schedule


def edit_scheduled_notice(schedule: ScheduledNotice, *, actor: User, subject: str, body: str,
                          audience: Audience, first_send_at: datetime,
                          repeat_hours: int | None) -> ScheduledNotice:
    """Change an active schedule; occurrences already queued are not touched. Raises
    OperationError."""
    if schedule.status != ScheduleStatus.ACTIVE:
        raise OperationError("Only an active schedule can be edited.")
    validate_schedule(schedule.escalation, subject=subject, body=body, audience=audience,
              first_send_at=first_send_at, repeat_hours=repeat_hours,
              creating=first_send_at != schedule.first_send_at)
    before = audit.snapshot(schedule, EDITABLE)
    schedule.subject, schedule.body = subject.strip(), body.strip()
    schedule.audience, schedule.repeat_hours = audience, repeat_hours
    schedule.first_send_at = first_send_at
    schedule.next_send_at = first_send_at if not schedule.occurrences else _next_slot(
        first_send_at, repeat_hours, schedule.occurrences, now())
    audit.record_change("scheduled_notice.edited", actor=actor, obj=schedule, before=before,
                        after=audit.snapshot(schedule, EDITABLE))
    return schedule


def cancel_scheduled_notice(schedule: ScheduledNotice, *, actor: User) -> ScheduledNotice:
    """Stop a schedule. Queued occurrences still go; nothing new is queued. Raises
    OperationError when it is not active."""
    if schedule.status != ScheduleStatus.ACTIVE:
        raise OperationError("This schedule is not active.")
    schedule.status, schedule.next_send_at = ScheduleStatus.CANCELLED, None
    audit.record("scheduled_notice.cancelled", actor=actor, obj=schedule,
                 escalation_id=schedule.escalation_id, occurrences=schedule.occurrences)
    return schedule


# ---------------------------------------------------------------- the sweep

def _next_slot(first_send_at: datetime, repeat_hours: int | None, occurrences: int,
               at: datetime) -> datetime | None:
    """When the next occurrence is due: the first slot strictly after `at` (missed slots are
    skipped), or None for a one-off already sent."""
    if repeat_hours is None:
        return None if occurrences else first_send_at
    if at < first_send_at:
        return first_send_at
    step = timedelta(hours=repeat_hours)
    return first_send_at + (math.floor((at - first_send_at) / step) + 1) * step


def queue_due_scheduled_notices(at: datetime | None = None) -> int:
    """Queue one outbox row per recipient for every due schedule; returns rows inserted.

    Recurring schedules of resolved escalations finish first. Each due schedule's occurrence
    is taken with a compare-and-set on `occurrences`, so of two schedulers only one queues
    it and audits it; the unique key would drop the other's rows anyway. Runs unscoped.
    """
    at = at or now()
    closed = select(Escalation.id).where(Escalation.status.not_in(OPEN_STATUSES))
    db.session.execute(
        update(ScheduledNotice)
        .where(ScheduledNotice.status == ScheduleStatus.ACTIVE,
               ScheduledNotice.repeat_hours.is_not(None),
               ScheduledNotice.escalation_id.in_(closed))
        .values(status=ScheduleStatus.FINISHED, next_send_at=None)
        .execution_options(synchronize_session=False)
    )
    due = db.session.scalars(
        select(ScheduledNotice)
        .where(ScheduledNotice.status == ScheduleStatus.ACTIVE,
               ScheduledNotice.next_send_at <= at)
        .options(selectinload(ScheduledNotice.escalation))
        .order_by(ScheduledNotice.id)
    ).all()
    rows = []
    for schedule in due:
        occurrence = schedule.occurrences + 1
        next_send_at = _next_slot(schedule.first_send_at, schedule.repeat_hours, occurrence, at)
        taken = db.session.execute(
            update(ScheduledNotice)
            .where(ScheduledNotice.id == schedule.id,
                   ScheduledNotice.occurrences == schedule.occurrences)
            .values(occurrences=occurrence, last_sent_at=at, next_send_at=next_send_at,
                    status=ScheduleStatus.ACTIVE if next_send_at else ScheduleStatus.FINISHED)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not taken:
            continue  # another scheduler queued this occurrence
        recipients = db.session.execute(
            recipients_for(schedule.organization_id, schedule.audience, schedule.escalation_id)
            .with_only_columns(User.id, User.email)
        ).all()
        context = {"escalation_id": schedule.escalation_id, "scheduled_notice_id": schedule.id,
                   "occurrence": occurrence, "subject": schedule.subject,
                   "body": schedule.body, "reference": schedule.escalation.reference}
        rows.extend(
            email_row(key=scheduled_key(schedule.id, occurrence, user_id), event=EVENT,
                      user_id=user_id, email=email, organization_id=schedule.organization_id,
                      escalation_id=schedule.escalation_id, template=TEMPLATE, context=context,
                      scheduled_notice_id=schedule.id)
            for user_id, email in recipients)
        audit.record("scheduled_notice.queued", actor=None, obj=schedule, occurrence=occurrence,
                     recipients=len(recipients), escalation_id=schedule.escalation_id)
    inserted = insert_ignoring_duplicates(rows)
    db.session.expire_all()
    return inserted


# ---------------------------------------------------------------- rendering

def email_context(notice: Notice, context: dict) -> dict:
    """Subject and body with placeholders filled for this recipient, at send time (so
    "{next_update_time}" is the current commitment)."""
    escalation, recipient = context["escalation"], context["recipient"]

    def fill(text: str) -> str:
        return fill_placeholders(text, escalation, next_update_by=escalation.next_update_due_at,
                                 recipient=recipient)

    return {"subject_line": " ".join(fill(context["subject"]).split()),
            "message": fill(context["body"])}


def preview(escalation: Escalation, *, subject: str, body: str, audience: Audience):
    """(rendered email, its Markdown message filled in, sample recipient, recipient count) as
    the first recipient would read it now; (None, "", None, 0) when the audience is empty."""
    stmt = recipients_for(escalation.organization_id, audience, escalation.id)
    users = db.session.scalars(stmt).all()
    if not users:
        return None, "", None, 0
    sample = users[0]
    notice = Notice(key="preview", event=EVENT, recipient=sample.email,
                    recipient_user_id=sample.id, escalation_id=escalation.id, template=TEMPLATE,
                    context={"escalation_id": escalation.id, "subject": subject, "body": body,
                             "reference": escalation.reference})
    with keeping_viewer_zone():
        email = render_email(notice, email_context)
    message = fill_placeholders(body, escalation, next_update_by=escalation.next_update_due_at,
                                recipient=sample)
    return email, message, sample, len(users)
