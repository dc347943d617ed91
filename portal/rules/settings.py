"""The rules administrators tune at /admin/rules: keys, defaults, and one read for a sweep."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from portal.enums import Tier
from portal.escalations import workflow
from portal.escalations.due import AT_RISK_FRACTION
from portal.extensions import db
from portal.settings import HANDOFF_ACKNOWLEDGE_MINUTES, Setting

NEXT_UPDATE_GRACE_MINUTES = ("rules.next_update_grace_minutes", 30)
HOLDING_MESSAGE_ENABLED = ("rules.holding_message.enabled", False)
HOLDING_MESSAGE_TEXT = (
    "rules.holding_message.text",
    "We are still working on {reference} ({title}). Our update promised for "
    "{next_update_time} is late, and we are sorry for that: {owner} will post it as soon "
    "as there is news to share.",
)
MILESTONE_DUE_SOON_MINUTES = ("rules.milestone_due_soon_minutes", 60)
AUTO_TIER = ("rules.auto_tier", {})  # {"1": {"acknowledge": "next", "resolve": "management"}}

CLOCKS = ("acknowledge", "resolve")
# What a breach of a clock does to the tier, per severity.
TIER_ACTIONS = {
    "none": "Do nothing",
    "next": "Escalate one tier",
    "management": "Escalate to Management",
}
KEYS = (NEXT_UPDATE_GRACE_MINUTES, HOLDING_MESSAGE_ENABLED, HOLDING_MESSAGE_TEXT,
        MILESTONE_DUE_SOON_MINUTES, HANDOFF_ACKNOWLEDGE_MINUTES, AUTO_TIER)


@dataclass(frozen=True)
class Rules:
    next_update_grace_minutes: int
    holding_message_enabled: bool
    holding_message_text: str
    milestone_due_soon_minutes: int
    handoff_acknowledge_minutes: int
    auto_tier: dict[int, dict[str, str]] = field(default_factory=dict)
    at_risk_percent: int = round(AT_RISK_FRACTION * 100)

    def tier_action(self, severity: int, clock: str) -> str:
        return self.auto_tier.get(severity, {}).get(clock, "none")

    def tier_rules(self) -> list[tuple[int, str, str]]:
        """(severity, clock, action) for every rule that changes the tier."""
        return [(severity, clock, action) for severity, actions in sorted(self.auto_tier.items())
                for clock, action in actions.items() if action != "none"]


def _auto_tier(value) -> dict[int, dict[str, str]]:
    rules: dict[int, dict[str, str]] = {}
    for severity, actions in (value or {}).items():
        rules[int(severity)] = {clock: action for clock, action in actions.items()
                                if clock in CLOCKS and action in TIER_ACTIONS}
    return rules


def load_rules() -> Rules:
    """Every rule setting in one query (a sweep reads them once per run)."""
    stored = dict(db.session.execute(
        select(Setting.key, Setting.value).where(Setting.key.in_([key for key, _ in KEYS]))
    ).all())

    def value(setting):
        key, default = setting
        return stored.get(key, default)

    return Rules(
        next_update_grace_minutes=int(value(NEXT_UPDATE_GRACE_MINUTES)),
        holding_message_enabled=bool(value(HOLDING_MESSAGE_ENABLED)),
        holding_message_text=str(value(HOLDING_MESSAGE_TEXT)),
        milestone_due_soon_minutes=int(value(MILESTONE_DUE_SOON_MINUTES)),
        handoff_acknowledge_minutes=int(value(HANDOFF_ACKNOWLEDGE_MINUTES)),
        auto_tier=_auto_tier(value(AUTO_TIER)),
    )


def tier_after(current: Tier, action: str) -> list[Tier]:
    """The tiers a breach walks through, one step at a time (empty: nothing to do)."""
    order = workflow.TIER_ORDER
    index = order.index(current)
    if action == "next":
        return list(order[index + 1:index + 2])
    if action == "management":
        return list(order[index + 1:])
    return []
