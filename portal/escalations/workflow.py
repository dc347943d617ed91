"""The status and tier workflow: the only place that knows which moves are legal."""

from portal.enums import Status, Tier


class IllegalTransition(ValueError):
    """A status or tier move the workflow does not allow; the message says what is allowed."""


STATUS_TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.ACKNOWLEDGED}),
    Status.ACKNOWLEDGED: frozenset({Status.INVESTIGATING, Status.WAITING_ON_CUSTOMER}),
    Status.INVESTIGATING: frozenset(
        {Status.WAITING_ON_CUSTOMER, Status.CONTAINED, Status.RESOLVED}
    ),
    Status.WAITING_ON_CUSTOMER: frozenset({Status.INVESTIGATING}),
    Status.CONTAINED: frozenset({Status.INVESTIGATING, Status.RESOLVED}),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.INVESTIGATING}),  # investigating = reopen
    Status.CLOSED: frozenset({Status.INVESTIGATING}),
}

TIER_ORDER: tuple[Tier, ...] = (Tier.L1, Tier.L2, Tier.L3, Tier.MANAGEMENT)


def allowed_statuses(current: Status) -> list[Status]:
    """The statuses reachable in one step, in workflow order (for menus)."""
    return [s for s in Status if s in STATUS_TRANSITIONS[current]]


def check_status_transition(current: Status, target: Status) -> None:
    """Raise IllegalTransition unless `current → target` is a legal move."""
    if target == current:
        raise IllegalTransition(f"The escalation is already {current.label.lower()}.")
    if target not in STATUS_TRANSITIONS[current]:
        allowed = ", ".join(s.label.lower() for s in allowed_statuses(current))
        raise IllegalTransition(
            f"An escalation that is {current.label.lower()} cannot move to "
            f"{target.label.lower()}; it can move to: {allowed}."
        )


def is_reopen(current: Status, target: Status) -> bool:
    return current in (Status.RESOLVED, Status.CLOSED) and target == Status.INVESTIGATING


def next_tier(current: Tier) -> Tier:
    """One level up; raise IllegalTransition at the top."""
    index = TIER_ORDER.index(current)
    if index == len(TIER_ORDER) - 1:
        raise IllegalTransition("The escalation is already at the Management tier.")
    return TIER_ORDER[index + 1]


def previous_tier(current: Tier) -> Tier:
    """One level down; raise IllegalTransition at L1."""
    index = TIER_ORDER.index(current)
    if index == 0:
        raise IllegalTransition("The escalation is already at L1 and cannot be de-escalated.")
    return TIER_ORDER[index - 1]


def check_tier_transition(current: Tier, target: Tier) -> None:
    """Tiers move one step at a time, up or down."""
    if target == current:
        raise IllegalTransition(f"The escalation is already at {current.value}.")
    if abs(TIER_ORDER.index(target) - TIER_ORDER.index(current)) != 1:
        raise IllegalTransition(
            f"Tiers move one step at a time: from {current.value} the escalation can go to "
            + " or ".join(
                t.value for t in TIER_ORDER
                if abs(TIER_ORDER.index(t) - TIER_ORDER.index(current)) == 1
            )
            + "."
        )
