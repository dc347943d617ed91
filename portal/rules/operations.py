"""Changing the rules (administrators and escalation managers, at /admin/rules)."""

from __future__ import annotations

from dataclasses import dataclass

from portal.escalations.placeholders import unknown_placeholders
from portal.operations import OperationError
from portal.rules.settings import (
    AUTO_TIER,
    CLOCKS,
    HOLDING_MESSAGE_ENABLED,
    HOLDING_MESSAGE_TEXT,
    MILESTONE_DUE_SOON_MINUTES,
    NEXT_UPDATE_GRACE_MINUTES,
    TIER_ACTIONS,
    Rules,
    load_rules,
)
from portal.settings import HANDOFF_ACKNOWLEDGE_MINUTES, set_setting

# (field, setting, smallest, largest, words) for the minute settings.
MINUTE_LIMITS = (
    ("next_update_grace_minutes", NEXT_UPDATE_GRACE_MINUTES, 0, 1440,
     "The grace period"),
    ("milestone_due_soon_minutes", MILESTONE_DUE_SOON_MINUTES, 5, 10080,
     "The milestone lead time"),
    ("handoff_acknowledge_minutes", HANDOFF_ACKNOWLEDGE_MINUTES, 5, 1440,
     "The acknowledgement time"),
)
HOLDING_TEXT_MAX = 1000


@dataclass(frozen=True)
class RuleChanges:
    next_update_grace_minutes: int | None
    holding_message_enabled: bool
    holding_message_text: str
    milestone_due_soon_minutes: int | None
    handoff_acknowledge_minutes: int | None
    auto_tier: dict[int, dict[str, str]]


def save_rules(changes: RuleChanges, *, actor) -> list[str]:
    """Store the changed rules, each audited (`setting.changed`). Returns the changed keys.

    Raises OperationError (with the field) for a number out of range, an empty or unknown-
    placeholder holding text while the message is on, or an unknown tier action; nothing is
    stored then.
    """
    for field, _, low, high, words in MINUTE_LIMITS:
        value = getattr(changes, field)
        if value is None or not low <= value <= high:
            raise OperationError(f"{words} must be between {low} and {high} minutes.", field)
    text = changes.holding_message_text.strip()
    if len(text) > HOLDING_TEXT_MAX:
        raise OperationError(f"Keep the holding message under {HOLDING_TEXT_MAX} characters.",
                             "holding_message_text")
    if changes.holding_message_enabled and not text:
        raise OperationError("Write the holding message, or turn it off.",
                             "holding_message_text")
    unknown = unknown_placeholders(text)
    if unknown:
        raise OperationError("Unknown placeholder: " + ", ".join(f"{{{n}}}" for n in unknown)
                             + ".", "holding_message_text")
    auto_tier = {}
    for severity in (1, 2, 3, 4):
        actions = changes.auto_tier.get(severity, {})
        for clock in CLOCKS:
            if actions.get(clock, "none") not in TIER_ACTIONS:
                raise OperationError("Choose one of the listed actions.",
                                     f"tier_{severity}_{clock}")
        chosen = {clock: actions.get(clock, "none") for clock in CLOCKS}
        if any(action != "none" for action in chosen.values()):
            auto_tier[str(severity)] = chosen

    current: Rules = load_rules()
    wanted = [
        (NEXT_UPDATE_GRACE_MINUTES, changes.next_update_grace_minutes,
         current.next_update_grace_minutes),
        (HOLDING_MESSAGE_ENABLED, changes.holding_message_enabled,
         current.holding_message_enabled),
        (HOLDING_MESSAGE_TEXT, text or HOLDING_MESSAGE_TEXT[1], current.holding_message_text),
        (MILESTONE_DUE_SOON_MINUTES, changes.milestone_due_soon_minutes,
         current.milestone_due_soon_minutes),
        (HANDOFF_ACKNOWLEDGE_MINUTES, changes.handoff_acknowledge_minutes,
         current.handoff_acknowledge_minutes),
        (AUTO_TIER, auto_tier, {str(s): a for s, a in current.auto_tier.items()
                                if any(v != "none" for v in a.values())}),
    ]
    changed = []
    for (key, _), value, before in wanted:
        if value != before:
            set_setting(key, value, actor=actor)
            changed.append(key)
    return changed
