"""The status and tier workflow refuses illegal moves with a message that says what is allowed."""

import pytest

from portal.enums import Status, Tier
from portal.escalations.workflow import (
    IllegalTransition,
    check_status_transition,
    check_tier_transition,
    next_tier,
    previous_tier,
)

LEGAL = [
    (Status.NEW, Status.ACKNOWLEDGED),
    (Status.ACKNOWLEDGED, Status.INVESTIGATING),
    (Status.INVESTIGATING, Status.WAITING_ON_CUSTOMER),
    (Status.WAITING_ON_CUSTOMER, Status.INVESTIGATING),
    (Status.INVESTIGATING, Status.CONTAINED),
    (Status.CONTAINED, Status.RESOLVED),
    (Status.RESOLVED, Status.CLOSED),
    (Status.CLOSED, Status.INVESTIGATING),
    (Status.RESOLVED, Status.INVESTIGATING),
]
ILLEGAL = [
    (Status.NEW, Status.RESOLVED),
    (Status.NEW, Status.INVESTIGATING),
    (Status.WAITING_ON_CUSTOMER, Status.RESOLVED),
    (Status.CLOSED, Status.RESOLVED),
    (Status.CONTAINED, Status.CLOSED),
    (Status.INVESTIGATING, Status.INVESTIGATING),
]


@pytest.mark.parametrize("current, target", LEGAL)
def test_legal_status_moves_pass(current, target):
    """Each documented step of the lifecycle is allowed."""
    check_status_transition(current, target)


@pytest.mark.parametrize("current, target", ILLEGAL)
def test_illegal_status_moves_are_refused_and_explained(current, target):
    """A skipped step is refused, naming where the escalation can go instead."""
    with pytest.raises(IllegalTransition) as refused:
        check_status_transition(current, target)
    assert current.label.lower() in str(refused.value)


def test_tiers_move_one_step_at_a_time():
    """L1 → L2 is fine, L1 → L3 is not, and the ends cannot be passed."""
    check_tier_transition(Tier.L1, Tier.L2)
    check_tier_transition(Tier.MANAGEMENT, Tier.L3)
    with pytest.raises(IllegalTransition, match="one step"):
        check_tier_transition(Tier.L1, Tier.L3)
    assert next_tier(Tier.L3) == Tier.MANAGEMENT
    assert previous_tier(Tier.L2) == Tier.L1
    with pytest.raises(IllegalTransition):
        next_tier(Tier.MANAGEMENT)
    with pytest.raises(IllegalTransition):
        previous_tier(Tier.L1)
