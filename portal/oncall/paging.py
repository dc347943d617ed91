"""Paging whoever is on call: the SLA alerts of the rules sweep (at risk, breached, per clock)
also go to the person on call for the escalation's team at that instant (the team
`portal.oncall.responsibility` says answers for it) — by email and by the
`oncall.paged` webhook event — and repeat every few minutes until someone acknowledges.

`page_on_call(at)` is one step of the rules job (`portal.rules.jobs.evaluate_rules`), so it
runs in the scheduler process under the sweep's lock. It is safe to run twice for the same
instant, concurrently or not: a person's page for an alert is a row with a unique key
(ON CONFLICT DO NOTHING), a repeat moves its row with a compare-and-set on `next_page_at`
(the loser of a race changes nothing and sends nothing), and every message carries a key
made of the row and the repeat number, which the outbox keeps unique.

At each repeat the person on call is asked again: when the shift changed, the new person is
paged (their own row) and the previous person's row ends, "handed over".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import and_, literal, select, update

from portal.clock import ensure_utc, now
from portal.enums import OPEN_STATUSES
from portal.escalations.models import Escalation
from portal.extensions import db
from portal.notices.audience import circle_of
from portal.notices.operations import enqueue_email, enqueue_webhooks
from portal.oncall import queries
from portal.oncall.models import Team
from portal.oncall.pages import OncallPage, PageEnd, PageReason, is_night, is_weekend
from portal.oncall.responsibility import Responsibility
from portal.settings import get_setting
from portal.sqltypes import UTCDateTime
from portal.upsert import dialect_insert

#: A breach older than this when first seen pages nobody (a first deployment, or a team made
#: today, does not page for every breach ever recorded).
PAGE_WINDOW = timedelta(hours=24)
#: Administrators' setting: {"default": minutes, "<team id>": minutes}.
REPEAT_SETTING = "oncall.page_repeat_minutes"
EVENT = "oncall_paged"
TOPIC = "oncall.paged"
CLOCKS = (("acknowledge", "ack"), ("resolve", "resolve"))


def repeat_minutes(team: Team) -> int:
    """How often an unacknowledged page repeats for `team`: the team's setting, else the
    default setting, else the app's ONCALL_PAGE_REPEAT_MINUTES (10)."""
    stored = get_setting(REPEAT_SETTING, {}) or {}
    default = stored.get("default") or current_app.config.get("ONCALL_PAGE_REPEAT_MINUTES", 10)
    return max(1, int(stored.get(str(team.id)) or default))


@dataclass(frozen=True)
class Alert:
    """What a page is about: one clock of one escalation, at risk or breached, for one due
    instant (with what its messages show)."""

    escalation_id: int
    organization_id: int
    product_area: str
    reference: str
    title: str
    severity: int
    reason: PageReason
    clock: str
    due_at: datetime


def _candidates(at: datetime) -> list[tuple[Escalation, Alert]]:
    """Alerts holding at `at` that nobody has been paged about yet, with their escalations
    (one statement, and one more to load the escalations when there are any)."""
    instant = literal(at, UTCDateTime)
    selects = []
    for clock, prefix in CLOCKS:
        due = getattr(Escalation, f"{prefix}_due_at")
        at_risk = getattr(Escalation, f"{prefix}_at_risk_at")
        for reason, holds in (
                (PageReason.BREACH, and_(due <= instant,
                                         due > literal(at - PAGE_WINDOW, UTCDateTime))),
                (PageReason.AT_RISK, and_(at_risk <= instant, due > instant))):
            paged = select(OncallPage.id).where(
                OncallPage.escalation_id == Escalation.id, OncallPage.clock == clock,
                OncallPage.reason == reason.value, OncallPage.due_at == due)
            selects.append(select(
                Escalation.id, literal(reason.value, sa.String), literal(clock, sa.String), due,
            ).where(holds, Escalation.status.in_(OPEN_STATUSES), ~paged.exists()))
    rows = db.session.execute(sa.union_all(*selects)).all()
    if not rows:
        return []
    escalations = {e.id: e for e in db.session.scalars(
        select(Escalation).where(Escalation.id.in_({row[0] for row in rows})))}
    found = []
    for escalation_id, reason, clock, due in rows:
        escalation = escalations[escalation_id]
        found.append((escalation, _alert(escalation, PageReason(reason), clock,
                                         ensure_utc(due))))
    return sorted(found, key=lambda pair: (pair[1].due_at, pair[1].escalation_id,
                                           pair[1].clock, pair[1].reason))


def _alert(escalation: Escalation, reason: PageReason, clock: str, due: datetime) -> Alert:
    return Alert(escalation.id, escalation.organization_id, escalation.product_area,
                 escalation.reference, escalation.title, escalation.severity, reason, clock,
                 due)


def _send(page_id: int, number: int, alert: Alert, person, team: Team) -> None:
    """The email and the webhook of one page (number 0 the first, then each repeat)."""
    event = f"{EVENT}:{page_id}:{number}"
    context = {"escalation_id": alert.escalation_id, "page_id": page_id, "number": number,
               "reason": alert.reason.value, "clock": alert.clock,
               "due": int(alert.due_at.timestamp()), "team": team.name}
    enqueue_email(event, person, template="oncall_paged", context=context,
                  escalation_id=alert.escalation_id)
    what = "breached" if alert.reason is PageReason.BREACH else "is at risk"
    clock = "acknowledgement" if alert.clock == "acknowledge" else "resolution"
    repeat = f" (repeat {number})" if number else ""
    enqueue_webhooks(
        event, organization_id=None, escalation_id=alert.escalation_id, topic=TOPIC,
        text=(f"Paging {person.name} ({team.name} on call){repeat}: {alert.reference} "
              f"{alert.title} — the {clock} target {what} (due "
              f"{alert.due_at:%Y-%m-%d %H:%M} UTC)."),
        payload={"page": {"id": page_id, "repeat": number, "reason": alert.reason.value,
                          "clock": alert.clock, "due_at": alert.due_at.isoformat(),
                          "team": team.name,
                          "person": {"id": person.id, "name": person.name,
                                     "email": person.email}},
                 "escalation": {"id": alert.escalation_id, "reference": alert.reference,
                                "title": alert.title, "severity": alert.severity}})


def _open_row(alert: Alert, team: Team, person, at: datetime) -> int | None:
    """The person's page row for the alert, made now; None when it exists already (another
    sweep made it, or the person was paged before and handed over)."""
    statement = (dialect_insert(OncallPage.__table__).values(
        organization_id=alert.organization_id, escalation_id=alert.escalation_id,
        team_id=team.id, user_id=person.id, reason=alert.reason.value, clock=alert.clock,
        due_at=alert.due_at, paged_at=at, last_paged_at=at,
        next_page_at=at + timedelta(minutes=repeat_minutes(team)), repeats=0,
        ended_reason="", night=is_night(at, team.zone), weekend=is_weekend(at, team.zone))
        .on_conflict_do_nothing(index_elements=["escalation_id", "clock", "reason", "due_at",
                                                "user_id"])
        .returning(OncallPage.__table__.c.id))
    return db.session.execute(statement).scalar()


def _page(alert: Alert, team: Team, person, at: datetime) -> bool:
    """Page `person` about `alert`: a new row, or their earlier row again (they handed over
    and the shift came back to them). Returns whether a page went out. Nobody outside an
    escalation's closed circle (a drill's participants: `portal.notices.audience`) is paged
    about it, nor given a row on their pages."""
    circle = circle_of(alert.escalation_id)
    if circle is not None and person.id not in circle:
        return False
    page_id = _open_row(alert, team, person, at)
    if page_id is not None:
        _send(page_id, 0, alert, person, team)
        return True
    earlier = db.session.execute(select(OncallPage.id, OncallPage.repeats).where(
        OncallPage.escalation_id == alert.escalation_id, OncallPage.clock == alert.clock,
        OncallPage.reason == alert.reason.value, OncallPage.due_at == alert.due_at,
        OncallPage.user_id == person.id, OncallPage.ended_reason == PageEnd.HANDED_OVER.value,
        OncallPage.acknowledged_at.is_(None))).first()
    if earlier is None:
        return False
    moved = db.session.execute(
        update(OncallPage).where(OncallPage.id == earlier.id,
                                 OncallPage.repeats == earlier.repeats,
                                 OncallPage.ended_at.is_not(None))
        .values(ended_at=None, ended_reason="", repeats=earlier.repeats + 1, last_paged_at=at,
                next_page_at=at + timedelta(minutes=repeat_minutes(team)))
        .execution_options(synchronize_session=False)).rowcount
    if moved:
        _send(earlier.id, earlier.repeats + 1, alert, person, team)
    return bool(moved)


def _end(page: OncallPage, at: datetime, why: PageEnd) -> bool:
    return bool(db.session.execute(
        update(OncallPage).where(OncallPage.id == page.id,
                                 OncallPage.next_page_at == page.next_page_at,
                                 OncallPage.acknowledged_at.is_(None))
        .values(ended_at=at, ended_reason=why.value, next_page_at=None)
        .execution_options(synchronize_session=False)).rowcount)


def _still_holds(page: OncallPage, escalation: Escalation, at: datetime) -> PageEnd | None:
    """None while the page's alert still holds; else why it stopped."""
    prefix = "ack" if page.clock == "acknowledge" else "resolve"
    due = ensure_utc(getattr(escalation, f"{prefix}_due_at"))
    if not escalation.status.is_open or due != page.due_at:
        return PageEnd.CLOCK_STOPPED
    if page.reason == PageReason.AT_RISK and due <= at:
        return PageEnd.BREACHED
    return None


def _repeat(page: OncallPage, escalation: Escalation, team: Team, on_call,
            at: datetime) -> str:
    """One due repeat of an open page; what happened."""
    alert = _alert(escalation, PageReason(page.reason), page.clock, ensure_utc(page.due_at))
    stopped = _still_holds(page, escalation, at)
    if stopped is not None:
        return "ended" if _end(page, at, stopped) else "raced"
    if on_call is not None and on_call.user.id != page.user_id:
        if not _end(page, at, PageEnd.HANDED_OVER):
            return "raced"
        return "handed_over" if _page(alert, team, on_call.user, at) else "raced"
    interval = timedelta(minutes=repeat_minutes(team))
    slot = ensure_utc(page.next_page_at)
    following = slot + interval
    while following <= at:  # sweeps missed for a while: one repeat now, not a burst
        following += interval
    moved = db.session.execute(
        update(OncallPage).where(OncallPage.id == page.id,
                                 OncallPage.next_page_at == page.next_page_at,
                                 OncallPage.acknowledged_at.is_(None),
                                 OncallPage.ended_at.is_(None))
        .values(repeats=OncallPage.repeats + 1, last_paged_at=at, next_page_at=following)
        .execution_options(synchronize_session=False)).rowcount
    if not moved:
        return "raced"
    _send(page.id, page.repeats + 1, alert, page.user, team)
    return "repeated"


def page_on_call(at: datetime | None = None) -> dict[str, int]:
    """Page the people on call about new alerts, and repeat the unacknowledged pages due by
    `at`. Runs unscoped (a job); the caller commits. Returns counts per outcome."""
    at = at or now()
    counts = {"pages": 0, "repeats": 0, "handed_over": 0, "ended": 0}
    every_team = db.session.scalars(queries.teams()).all()
    if not every_team:
        return counts
    by_id = {team.id: team for team in every_team}
    board = {team.id: on_call for team, on_call in queries.board(at, every_team)}
    candidates = list(_candidates(at))
    responsible = Responsibility.load([escalation.id for escalation, _ in candidates],
                                      every_team) if candidates else None
    for escalation, alert in candidates:
        team = responsible.team_of(escalation)
        on_call = board.get(team.id) if team else None
        if on_call is not None and _page(alert, team, on_call.user, at):
            counts["pages"] += 1
    due = db.session.execute(
        select(OncallPage, Escalation).join(Escalation, Escalation.id == OncallPage.escalation_id)
        .where(OncallPage.next_page_at <= at, OncallPage.acknowledged_at.is_(None),
               OncallPage.ended_at.is_(None))
        .order_by(OncallPage.next_page_at, OncallPage.id)).all()
    for page, escalation in due:
        outcome = _repeat(page, escalation, by_id[page.team_id], board.get(page.team_id), at)
        key = {"repeated": "repeats", "handed_over": "handed_over", "ended": "ended"}.get(outcome)
        if key:
            counts[key] += 1
    return counts
