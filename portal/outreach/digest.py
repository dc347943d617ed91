"""Daily digests, sent once a day at about 08:00 in each reader's timezone:

* "updates": people who chose the daily digest get the customer-visible updates held for them
  (`Notice.digest`) since their last digest, in one email;
* "executive": customer executives get their organization's open escalations;
* "queue": escalation managers get the queue's SLA state (breached, at risk, update overdue),
  read from the stored due instants on escalations.

The sweep (job "daily-digests") only inserts outbox rows keyed
`digest:<kind>:<user id>:<local date>` with ON CONFLICT DO NOTHING, so each person gets each
digest once per local day however often, and from however many schedulers, it runs. The held
updates a digest carries are marked sent only by the sweep whose row was inserted (RETURNING
tells it which): a sweep that lost the race to another scheduler leaves them held, so an
update that arrived between the two sweeps' reads is not marked sent without travelling. A reader
whose 08:00 passed while the scheduler was down gets the digest at the next sweep that day.
Content is read at send time, through the customer-visibility filter for customers.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.clock import now
from portal.enums import OPEN_STATUSES, NotificationPreference, Role
from portal.escalations.models import Escalation, Update
from portal.escalations.queries import (
    customer_visible,
    escalations_for_organization,
    not_a_drill,
)
from portal.extensions import db
from portal.notices.models import Notice, NoticeStatus
from portal.notices.optout import has_opted_out
from portal.notices.outbox import email_row, insert_returning_keys
from portal.outreach.rendering import UndeliverableNotice
from portal.settings import get_setting

EVENT = "digest"
TEMPLATE = "daily_digest"
DIGEST_HOUR = ("notices.digest_hour", 8)  # local hour from which the day's digest goes out
KINDS = ("updates", "executive", "queue")


def digest_key(kind: str, user_id: int, local_date) -> str:
    return f"{EVENT}:{kind}:{user_id}:{local_date.isoformat()}"


def _due_today(users, at: datetime, kind: str) -> list[tuple[User, str]]:
    """(user, key) for the users whose local digest hour has passed today."""
    hour = int(get_setting(*DIGEST_HOUR))
    due = []
    for user in users:
        if has_opted_out(user, "digests"):
            continue
        local = at.astimezone(user.zone)
        if local.hour >= hour:
            due.append((user, digest_key(kind, user.id, local.date())))
    return due


def _not_yet_queued(pairs: list[tuple[User, str]]) -> list[tuple[User, str]]:
    if not pairs:
        return []
    existing = set(db.session.scalars(
        select(Notice.key).where(Notice.key.in_([key for _, key in pairs]))))
    return [(user, key) for user, key in pairs if key not in existing]


def _people(*criteria):
    return db.session.scalars(
        select(User).where(User.active.is_(True), *criteria)
        .options(selectinload(User.organization)).order_by(User.id)).all()


def queue_daily_digests(at: datetime | None = None) -> int:
    """Queue the day's digests that are due and not yet queued; returns rows inserted.
    Runs unscoped (a job)."""
    at = at or now()
    rows: list[dict] = []

    # Readers of the daily digest, with updates held for them.
    holders = select(Notice.recipient_user_id).where(
        Notice.digest.is_(True), Notice.status == NoticeStatus.PENDING)
    readers = _not_yet_queued(_due_today(_people(
        User.notification_preference == NotificationPreference.DIGEST,
        User.id.in_(holders)), at, "updates"))
    held: dict[int, list[tuple[int, int]]] = {}
    if readers:
        for notice_id, user_id, update_id in db.session.execute(
                select(Notice.id, Notice.recipient_user_id, Notice.context)
                .where(Notice.digest.is_(True), Notice.status == NoticeStatus.PENDING,
                       Notice.recipient_user_id.in_([user.id for user, _ in readers]))
                .order_by(Notice.id)):
            if isinstance(update_id, dict) and "update_id" in update_id:
                held.setdefault(user_id, []).append((notice_id, update_id["update_id"]))
    for user, key in readers:
        items = held.get(user.id, [])
        rows.append(email_row(key=key, event=EVENT, user_id=user.id, email=user.email,
                              organization_id=user.organization_id, template=TEMPLATE,
                              context={"kind": "updates",
                                       "update_ids": [uid for _, uid in items]}))

    # Executives of organizations with open escalations.
    with_open = select(Escalation.organization_id).where(Escalation.status.in_(OPEN_STATUSES),
                                                         not_a_drill())
    for user, key in _not_yet_queued(_due_today(_people(
            User.role == Role.EXECUTIVE, User.organization_id.in_(with_open)), at, "executive")):
        rows.append(email_row(key=key, event=EVENT, user_id=user.id, email=user.email,
                              organization_id=user.organization_id, template=TEMPLATE,
                              context={"kind": "executive"}))

    # Escalation managers: the queue.
    for user, key in _not_yet_queued(_due_today(_people(
            User.role == Role.ESCALATION_MANAGER), at, "queue")):
        rows.append(email_row(key=key, event=EVENT, user_id=user.id, email=user.email,
                              organization_id=None, template=TEMPLATE,
                              context={"kind": "queue"}))

    inserted = insert_returning_keys(rows)
    held_ids = [notice_id for user, key in readers if key in inserted
                for notice_id, _ in held.get(user.id, [])]
    if held_ids:  # the held updates now travel in the digest rows this sweep inserted
        db.session.execute(
            update(Notice).where(Notice.id.in_(held_ids), Notice.status == NoticeStatus.PENDING)
            .values(status=NoticeStatus.SENT, sent_at=at, last_error="")
            .execution_options(synchronize_session=False))
    return len(inserted)


# ---------------------------------------------------------------- rendering

def queue_state(at: datetime) -> dict:
    """Counts of the open queue by SLA state, from the stored due instants (one query), and
    the breached or at-risk escalations, most urgent first."""
    breached = or_(Escalation.ack_due_at <= at, Escalation.resolve_due_at <= at)
    at_risk = and_(~breached, or_(Escalation.ack_at_risk_at <= at,
                                  Escalation.resolve_at_risk_at <= at))
    overdue = Escalation.next_update_due_at <= at
    is_open = and_(Escalation.status.in_(OPEN_STATUSES), not_a_drill())  # drills tell no one
    row = db.session.execute(select(
        func.count(), func.count().filter(breached), func.count().filter(at_risk),
        func.count().filter(overdue)).where(is_open)).one()
    urgent = db.session.scalars(
        select(Escalation).where(is_open, or_(breached, at_risk))
        .options(selectinload(Escalation.organization), selectinload(Escalation.owner))
        .order_by(Escalation.priority_score.desc(), Escalation.opened_at).limit(20)).all()
    return {"open": row[0], "breached": row[1], "at_risk": row[2], "update_overdue": row[3],
            "urgent": urgent}


def email_context(notice: Notice, context: dict) -> dict:
    recipient, kind, at = context["recipient"], context.get("kind"), now()
    if recipient is None or kind not in KINDS:
        raise UndeliverableNotice("a digest needs its reader and its kind")
    extra = {"kind": kind, "digest_since": at - timedelta(days=1)}
    if kind == "queue":
        if not recipient.is_staff:
            raise UndeliverableNotice("the queue digest is for staff")
        extra["queue"] = queue_state(at)
        extra["subject_line"] = (f"Daily queue: {extra['queue']['breached']} breached, "
                                 f"{extra['queue']['at_risk']} at risk")
        return extra
    if recipient.is_staff or recipient.organization_id is None:
        raise UndeliverableNotice("this digest is for customers")
    if kind == "executive":
        escalations = db.session.scalars(
            escalations_for_organization(recipient.organization_id)).all()
        extra["escalations"] = escalations
        extra["subject_line"] = (f"{recipient.organization.name}: {len(escalations)} open "
                                 f"escalation{'s' if len(escalations) != 1 else ''} today")
        return extra
    updates = db.session.scalars(
        select(Update).join(Escalation, Escalation.id == Update.escalation_id)
        .where(Update.id.in_(context.get("update_ids") or [-1]), customer_visible(Update),
               Escalation.organization_id == recipient.organization_id)
        .options(selectinload(Update.author))
        .order_by(Update.escalation_id, Update.created_at)).all()
    escalations = {e.id: e for e in db.session.scalars(select(Escalation).where(
        Escalation.id.in_({u.escalation_id for u in updates} or {-1})))}
    extra["groups"] = [(escalations[eid], [u for u in updates if u.escalation_id == eid])
                       for eid in sorted(escalations)]
    extra["subject_line"] = (f"Your daily digest: {len(updates)} update"
                             f"{'s' if len(updates) != 1 else ''}")
    return extra
