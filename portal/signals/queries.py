"""What the console shows of integrations and signals. Each returns a `select()`."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Select
from sqlalchemy.orm import selectinload

from portal.escalations.models import Escalation
from portal.signals.models import Integration, Outcome, Signal, SignalLink


def integrations() -> Select:
    """Every integration by name, with its signal count and last signal time."""
    stats = (sa.select(Signal.integration_id, sa.func.count(Signal.id).label("count"),
                       sa.func.max(Signal.received_at).label("last"))
             .group_by(Signal.integration_id).subquery())
    return (sa.select(Integration, sa.func.coalesce(stats.c.count, 0), stats.c.last)
            .outerjoin(stats, stats.c.integration_id == Integration.id)
            .options(selectinload(Integration.default_organization))
            .order_by(Integration.name))


def recent_signals(integration_id: int) -> Select:
    """An integration's signals, newest first, with the escalations they touched."""
    return (sa.select(Signal).where(Signal.integration_id == integration_id)
            .options(selectinload(Signal.escalation))
            .order_by(Signal.id.desc()))


def outcome_counts(integration_id: int) -> Select:
    """How many signals did what, for the page's summary line."""
    return (sa.select(Signal.outcome, sa.func.count(Signal.id))
            .where(Signal.integration_id == integration_id).group_by(Signal.outcome)
            .order_by(sa.func.count(Signal.id).desc()))


def open_links(integration_id: int) -> Select:
    """The dedupe keys that currently feed an escalation, most recently fired first."""
    return (sa.select(SignalLink).where(SignalLink.integration_id == integration_id,
                                        SignalLink.open_key.is_not(None))
            .options(selectinload(SignalLink.escalation))
            .order_by(SignalLink.last_fired_at.desc()))


def link_of(escalation: Escalation) -> Select:
    """The open signal link of an escalation (the console's banner), with its integration."""
    return (sa.select(SignalLink).where(SignalLink.escalation_id == escalation.id,
                                        SignalLink.open_key.is_not(None))
            .options(selectinload(SignalLink.integration)).limit(1))


OUTCOME_WORDS = {
    Outcome.OPENED: "opened an escalation",
    Outcome.ADDED: "added to the open escalation",
    Outcome.REPEAT: "repeat of an alert already counted",
    Outcome.PROPOSED: "proposed resolution",
    Outcome.NO_OPEN: "resolved; no open escalation",
    Outcome.MUTED: "muted: nothing done",
    Outcome.UNMAPPED: "no organization matched: nothing done",
}
