"""Routing, as arithmetic: which rule an escalation hits. No database, so tests (and the
console's "Test these rules" form) can ask it about any made-up escalation.

A rule's conditions are all optional; an empty one matches anything. Product area and
category compare without regard to case or surrounding spaces; "max severity 2" matches Sev 1
and Sev 2 (a smaller number is worse). The first rule in order that matches wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from portal.enums import Trigger


@dataclass(frozen=True)
class Facts:
    """What routing looks at in an escalation (a real one, or the test form's example)."""

    organization_id: int | None
    product_area: str
    category: str
    severity: int
    trigger: Trigger | None

    @classmethod
    def of(cls, escalation) -> Facts:
        return cls(escalation.organization_id, escalation.product_area or "",
                   escalation.category or "", escalation.severity, escalation.trigger)


class Conditions(Protocol):
    organization_id: int | None
    product_area: str
    category: str
    max_severity: int | None
    trigger: Trigger | None


R = TypeVar("R", bound=Conditions)


def _same(wanted: str | None, actual: str) -> bool:
    wanted = (wanted or "").strip().casefold()
    return not wanted or wanted == (actual or "").strip().casefold()


def matches(rule: Conditions, facts: Facts) -> bool:
    """Whether every condition the rule sets holds for the escalation."""
    return ((rule.organization_id is None or rule.organization_id == facts.organization_id)
            and _same(rule.product_area, facts.product_area)
            and _same(rule.category, facts.category)
            and (rule.max_severity is None or facts.severity <= rule.max_severity)
            and (rule.trigger is None or rule.trigger == facts.trigger))


def route(rules: Iterable[R], facts: Facts) -> R | None:
    """The first of `rules` (in the order given) that the escalation matches, or None."""
    return next((rule for rule in rules if matches(rule, facts)), None)


def describe(rule: Conditions, organization_name: str | None = None) -> str:
    """The rule's conditions in words: "Sev 2 or worse · Mobile app", or "Every escalation"."""
    parts = []
    if rule.organization_id is not None:
        parts.append(organization_name or f"organization {rule.organization_id}")
    if rule.product_area:
        parts.append(f"area {rule.product_area}")
    if rule.category:
        parts.append(f"category {rule.category}")
    if rule.max_severity is not None:
        parts.append("Sev 1" if rule.max_severity == 1 else f"Sev {rule.max_severity} or worse")
    if rule.trigger is not None:
        parts.append(f"trigger {rule.trigger.label.lower()}")
    return " · ".join(parts) if parts else "Every escalation"
