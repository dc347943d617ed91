"""Automatic entries the customer can see speak to customers: the internal-text check that
guards staff updates also guards their templates, and flags our rules' mechanics."""

import pytest

from portal.enums import Tier, Trigger
from portal.escalations import system_entries
from portal.escalations.internal_text import find_internal_text
from portal.escalations.models import Escalation
from portal.escalations.operations.tiers import senior_routing_reason


@pytest.fixture
def escalation(staff_session, world):
    return staff_session.get(Escalation, world.escalation_a.id)


def _customer_templates(escalation):
    owner = escalation.owner.name if escalation.owner else "Alex Owner"
    yield system_entries.ownership_for_customer(owner)
    for tier in Tier:
        yield system_entries.tier_change_for_customer(tier)
    yield system_entries.severity_change(3, 1, "Payments now fail for every user.")


def test_every_customer_template_passes_the_internal_text_check(escalation):
    texts = list(_customer_templates(escalation))
    assert len(texts) == 6
    for text in texts:
        assert find_internal_text(text, escalation, author=escalation.owner) == [], text


def test_senior_involvement_is_said_in_the_customers_words(escalation):
    assert system_entries.tier_change_for_customer(Tier.MANAGEMENT) == (
        "Our senior escalation team is now involved.")


@pytest.mark.parametrize("text", [
    senior_routing_reason(100, 75),
    "Composite priority 100 ≥ threshold 75: senior involvement required",
    "Priority score 82 passed the threshold of 75",
    "Routed by priority_threshold",
    "The auto_tier rule moved it",
])
def test_rule_mechanics_count_as_internal_text(escalation, text):
    kinds = [finding.kind for finding in find_internal_text(text, escalation)]
    assert "mechanics" in kinds, text


def test_the_internal_entry_keeps_the_mechanics(escalation):
    body = system_entries.tier_change_internal(
        Tier.L1, Tier.MANAGEMENT, going_up=True, trigger=Trigger.SEVERITY,
        reason=senior_routing_reason(100, 75) + ".")
    assert body.startswith("Escalated from L1 to Management. Trigger: severity.")
    assert "Composite priority 100 ≥ threshold 75" in body


def test_the_report_follows_tiers_through_the_customers_entries(staff_session, world):
    """The post-incident report's path through tiers reads the customer's tier entries, in
    their new words as in the old."""
    from portal.enums import Role
    from portal.escalations import operations as ops
    from portal.reports.content import customer_timeline, tier_path

    escalation = staff_session.get(Escalation, world.escalation_b.id)
    agent = staff_session.get(type(escalation.owner), world.staff[Role.AGENT].id)
    ops.change_tier(escalation, Tier.L2, actor=agent, reason="Needs the payments team")
    ops.change_tier(escalation, Tier.L3, actor=agent, reason="A product defect")
    staff_session.flush()
    path = [step["tier"] for step in tier_path(escalation, customer_timeline(escalation))]
    assert path == ["L1", "L2", "L3"]
