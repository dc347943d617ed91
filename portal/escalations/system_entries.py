"""The words of the timeline entries the system writes when severity, tier or ownership change.

An automatic entry the customer can see says what the change means for them ("Our senior
escalation team is now involved") and never internal mechanics: scores, thresholds, rule names,
trigger codes. Those stay on an internal entry beside it (`internal_detail`), where staff read
why it happened. Every customer template here passes `find_internal_text` (a test checks it).

None of these entries counts as an update to the customer (`portal.escalations.promises`).
"""

from __future__ import annotations

from portal.enums import Tier, Trigger

#: What each tier means to the customer, said as who is now working on their escalation.
TIER_FOR_CUSTOMERS = {
    Tier.L1: "Our support engineers are handling your escalation.",
    Tier.L2: "Our specialist engineers are now working on your escalation.",
    Tier.L3: "Our product engineering team is now working on your escalation.",
    Tier.MANAGEMENT: "Our senior escalation team is now involved.",
}


def tier_change_for_customer(target: Tier, *, staff_reason: str = "") -> str:
    """The customer's entry for a tier change: what it means for them, and the reason when a
    person gave one for the customer to read."""
    words = TIER_FOR_CUSTOMERS[target]
    return f"{words}\n\n{staff_reason.strip()}".strip()


def escalation_request_declined(tier: Tier, reason: str) -> str:
    """The customers' answer when their request for the next level is declined."""
    return (f"We looked at your request for the next level and are keeping this escalation at "
            f"{tier.value} for now.\n\n{reason.strip()}")


def tier_change_internal(previous: Tier, target: Tier, *, going_up: bool,
                         trigger: Trigger | None, reason: str) -> str:
    """The staff-only entry beside it: the tiers, the trigger and the full reason (which may be
    mechanics: "Composite priority 100 ≥ threshold 75: senior involvement required")."""
    direction = "Escalated" if going_up else "De-escalated"
    because = f" Trigger: {trigger.label.lower()}." if trigger is not None else ""
    return f"{direction} from {previous.value} to {target.value}.{because}\n\n{reason}".strip()


def ownership_for_customer(owner_name: str) -> str:
    """The customer's entry for a handoff: who now leads the work (the customer sees the owner
    on the escalation page anyway); the handoff template itself stays with staff."""
    return f"{owner_name} now leads the work on your escalation."


def severity_change(previous: int, severity: int, reason: str) -> str:
    """Severity is shared with the customer, so the change and staff's reason are shown as
    written. (The severity-history migration 0016 recognises the first sentence.)"""
    return f"Severity changed from Sev {previous} to Sev {severity}.\n\n{reason.strip()}"


def tier_announced(body: str) -> Tier | None:
    """The tier a customer's tier-change entry announces (its first line), for the report's
    path through tiers; None for anything else (older entries keep their own words)."""
    first_line = body.split("\n", 1)[0].strip()
    return next((tier for tier, words in TIER_FOR_CUSTOMERS.items() if words == first_line),
                None)
