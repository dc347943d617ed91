"""Routing and the acknowledgement ladder as arithmetic: which rule an escalation hits, and
who is asked next when nobody acknowledges."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from portal.enums import Trigger
from portal.oncall.ladder import Rung, first_rung, next_person, next_rung
from portal.oncall.routing import Facts, describe, matches, route


@dataclass(frozen=True)
class Rule:
    name: str
    organization_id: int | None = None
    product_area: str = ""
    category: str = ""
    max_severity: int | None = None
    trigger: Trigger | None = None


def facts(**overrides) -> Facts:
    values = dict(organization_id=7, product_area="Mobile app", category="Login",
                  severity=3, trigger=Trigger.CUSTOMER_REQUEST)
    values.update(overrides)
    return Facts(**values)


def test_an_empty_rule_matches_every_escalation():
    """A rule without conditions is the catch-all."""
    assert matches(Rule("all"), facts())
    assert describe(Rule("all")) == "Every escalation"


@pytest.mark.parametrize(("rule", "hit"), [
    (Rule("org", organization_id=7), True),
    (Rule("other org", organization_id=8), False),
    (Rule("area, other case and spaces", product_area="  mobile APP "), True),
    (Rule("other area", product_area="Billing"), False),
    (Rule("category", category="login"), True),
    (Rule("other category", category="Payments"), False),
    (Rule("sev 3 or worse", max_severity=3), True),
    (Rule("sev 2 or worse", max_severity=2), False),
    (Rule("trigger", trigger=Trigger.CUSTOMER_REQUEST), True),
    (Rule("monitoring only", trigger=Trigger.MONITORING_SIGNAL), False),
    (Rule("every condition", organization_id=7, product_area="Mobile app", category="Login",
          max_severity=4, trigger=Trigger.CUSTOMER_REQUEST), True),
    (Rule("one condition fails", organization_id=7, product_area="Mobile app",
          max_severity=1), False),
])
def test_each_condition_must_hold(rule, hit):
    """Organization, area, category, "Sev N or worse" and trigger: every condition set holds."""
    assert matches(rule, facts()) is hit


def test_the_first_matching_rule_wins():
    """Rules are tried in order; a later, broader rule only takes what earlier ones left."""
    rules = [Rule("sev 1", max_severity=1), Rule("monitoring", trigger=Trigger.MONITORING_SIGNAL),
             Rule("mobile", product_area="Mobile app"), Rule("all")]
    assert route(rules, facts(severity=1)).name == "sev 1"
    assert route(rules, facts(trigger=Trigger.MONITORING_SIGNAL)).name == "monitoring"
    assert route(rules, facts()).name == "mobile"
    assert route(rules, facts(product_area="Billing")).name == "all"


def test_no_rule_matches_is_none():
    """An escalation no rule covers is not routed (it waits in the queue)."""
    assert route([Rule("billing", product_area="Billing")], facts()) is None
    assert route([], facts()) is None


def test_a_rule_reads_as_words():
    """The list and the test form describe a rule in plain words."""
    rule = Rule("x", product_area="Mobile app", max_severity=2,
                trigger=Trigger.MONITORING_SIGNAL)
    assert describe(rule) == "area Mobile app · Sev 2 or worse · trigger monitoring signal"
    assert describe(Rule("x", organization_id=3, max_severity=1), "Acme") == "Acme · Sev 1"


def test_the_ladder_asks_the_next_person_then_the_manager_and_ends():
    """On call → next in the rotation → the manager → nobody."""
    members, active = [1, 2, 3], {1, 2, 3, 9}
    assert first_rung(2, 9, active) == Rung(2)
    step1 = next_rung(step=0, current=2, to_manager=False, members=members, manager_id=9,
                      active=active)
    assert step1 == Rung(3)
    step2 = next_rung(step=1, current=3, to_manager=False, members=members, manager_id=9,
                      active=active)
    assert step2 == Rung(9, to_manager=True)
    assert next_rung(step=2, current=9, to_manager=True, members=members, manager_id=9,
                     active=active) is None


def test_the_next_person_wraps_and_skips_the_inactive():
    """After the last comes the first; someone inactive is skipped; never the same person."""
    assert next_person([1, 2, 3], 3, {1, 2, 3}) == 1
    assert next_person([1, 2, 3], 1, {1, 3}) == 3
    assert next_person([1], 1, {1}) is None
    assert next_person([1, 2], 5, {1, 2}) == 1  # an override from outside the rotation


def test_a_ladder_without_people_or_manager_ends_early():
    """Nobody on call: the manager first; no manager either: nobody; a lone person: the
    manager next; no manager: the ladder ends."""
    assert first_rung(None, 9, {9}) == Rung(9, to_manager=True)
    assert first_rung(None, None, set()) is None
    assert first_rung(4, 9, {9}) == Rung(9, to_manager=True)  # on call but inactive
    assert next_rung(step=0, current=1, to_manager=False, members=[1], manager_id=9,
                     active={1, 9}) == Rung(9, to_manager=True)
    assert next_rung(step=0, current=1, to_manager=False, members=[1], manager_id=None,
                     active={1}) is None
    assert next_rung(step=0, current=9, to_manager=False, members=[9], manager_id=9,
                     active={9}) is None  # the manager already had it
