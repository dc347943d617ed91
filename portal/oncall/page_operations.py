"""Acknowledging pages, and how often pages repeat. Each operation checks who may do it
(PermissionError), refuses what cannot be done (OperationError), and records an audit event;
the caller commits."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from portal import audit
from portal.accounts.models import User
from portal.clock import now
from portal.extensions import db
from portal.oncall.pages import OncallPage
from portal.oncall.paging import REPEAT_SETTING
from portal.operations import OperationError
from portal.permissions import Capability, can
from portal.settings import get_setting, set_setting

MAX_REPEAT_MINUTES = 24 * 60


def _alert_of(page: OncallPage):
    return (OncallPage.escalation_id == page.escalation_id, OncallPage.clock == page.clock,
            OncallPage.reason == page.reason, OncallPage.due_at == page.due_at)


def may_acknowledge(actor: User | None, page: OncallPage) -> bool:
    """The person paged, or whoever keeps the rosters (escalation managers, administrators)."""
    if actor is None or not getattr(actor, "is_staff", False) or not actor.active:
        return False
    return actor.id == page.user_id or can(actor, Capability.MANAGE_ROSTERS)


def acknowledge_page(page: OncallPage, *, actor: User, via: str = "console") -> int:
    """Acknowledge the page's alert: its repeats stop, for every person it paged. Returns how
    many page rows it acknowledged. Raises PermissionError (not the person paged nor a roster
    keeper) and OperationError (already acknowledged)."""
    if not may_acknowledge(actor, page):
        raise PermissionError("only the person paged, or an escalation manager, acknowledges")
    if page.acknowledged_at is not None:
        raise OperationError(f"Already acknowledged by {page.acknowledged_by.name} at "
                             f"{page.acknowledged_at:%Y-%m-%d %H:%M} UTC.")
    at = now()
    count = db.session.execute(
        update(OncallPage).where(*_alert_of(page), OncallPage.acknowledged_at.is_(None))
        .values(acknowledged_at=at, acknowledged_by_id=actor.id, next_page_at=None)
        .execution_options(synchronize_session=False)).rowcount
    if not count:  # someone else acknowledged it a moment ago
        raise OperationError("Already acknowledged.")
    db.session.refresh(page)
    audit.record("oncall.page_acknowledged", actor=actor, obj=page.escalation,
                 organization_id=page.organization_id, page_id=page.id, reason=page.reason,
                 clock=page.clock, due_at=page.due_at.isoformat(), paged_user_id=page.user_id,
                 repeats=page.repeats, via=via)
    return count


def set_repeat_minutes(minutes: int | None, *, actor: User, team_id: int | None = None) -> None:
    """How often unacknowledged pages repeat: for one team, or (team_id None) the default.
    `minutes` None clears a team's own value. Raises PermissionError, OperationError."""
    if not can(actor, Capability.MANAGE_ROSTERS):
        raise PermissionError("only escalation managers and administrators set paging")
    if minutes is not None and not 1 <= minutes <= MAX_REPEAT_MINUTES:
        raise OperationError(f"Between 1 and {MAX_REPEAT_MINUTES} minutes.", field="minutes")
    stored = dict(get_setting(REPEAT_SETTING, {}) or {})
    key = "default" if team_id is None else str(team_id)
    if minutes is None:
        stored.pop(key, None)
    else:
        stored[key] = minutes
    set_setting(REPEAT_SETTING, stored, actor=actor)


def pages_of(user_id: int | None, *, open_only: bool = False, limit: int = 100):
    """Pages newest first (one person's, or everyone's with user_id None), with their
    escalation, team and people loaded."""
    query = (select(OncallPage).options(
        joinedload(OncallPage.escalation), joinedload(OncallPage.team),
        joinedload(OncallPage.user), joinedload(OncallPage.acknowledged_by))
        .order_by(OncallPage.paged_at.desc(), OncallPage.id.desc()).limit(limit))
    if user_id is not None:
        query = query.where(OncallPage.user_id == user_id)
    if open_only:
        query = query.where(OncallPage.acknowledged_at.is_(None), OncallPage.ended_at.is_(None))
    return query


def open_pages_for_escalation(escalation_id: int):
    """The escalation's pages still repeating (the console's escalation page shows them)."""
    return (select(OncallPage).where(OncallPage.escalation_id == escalation_id,
                                     OncallPage.acknowledged_at.is_(None),
                                     OncallPage.ended_at.is_(None))
            .order_by(OncallPage.paged_at))
