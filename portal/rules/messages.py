"""What the rule emails need at send time: their instants back from the outbox context
(whole seconds since 1970) and the holding message's placeholders filled for the reader."""

from __future__ import annotations

from datetime import UTC, datetime

from portal.escalations.placeholders import fill_placeholders


def from_epoch(seconds: int | float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(int(seconds), UTC)


def holding_message(text: str, escalation, due_seconds: int, recipient) -> str:
    """The administrator's holding text with `{next_update_time}` as the missed commitment."""
    return fill_placeholders(text, escalation, next_update_by=from_epoch(due_seconds),
                             recipient=recipient)


def register(state) -> None:
    """Jinja helpers for the email templates (registered with the console blueprint, which
    every process that renders email — web and scheduler — loads)."""
    state.app.add_template_filter(from_epoch, "from_epoch")
    state.app.add_template_global(holding_message, "holding_message")
