"""Status chips are drawn in Python now (portal/badges.py): every chip reads exactly as the
Jinja macros drew it (their source kept in tests/fixtures), for every value and odd ones."""

from pathlib import Path
from types import SimpleNamespace

import pytest
from jinja2 import Environment

from portal import badges, templating
from portal.enums import Severity, Status, Tier, Visibility

MACROS = Environment(autoescape=True).from_string(
    (Path(__file__).parent / "fixtures" / "badges_macros_before.html").read_text()).module

ODD = [None, "", "weird_value", "<b>x</b>", 0, 7, "2", 2.0]
CASES = (
    [("severity", (v,), {}) for v in [*Severity, *ODD]]
    + [("severity", (v,), {"short": True}) for v in [*Severity, *ODD]]
    + [("status", (v,), {}) for v in [*Status, *ODD, "WAITING_ON_CUSTOMER"]]
    + [("tier", (v,), {}) for v in [*Tier, *ODD, "l2", "management"]]
    + [("sla", (v,), {}) for v in ["on_track", "at_risk", "breached", "met", "missed",
                                   "paused", *ODD]]
    + [("sla", (v, label), {}) for v in ["paused", "odd_one"]
       for label in ["waiting on customer", "<i>a</i>", None, ""]]
    + [("visibility", (v,), {}) for v in [*Visibility, *ODD, "CUSTOMER"]]
)


@pytest.mark.parametrize(("name", "args", "kwargs"), CASES)
def test_a_chip_reads_as_the_macro_drew_it(name, args, kwargs):
    assert str(getattr(badges, name)(*args, **kwargs)) == \
        str(getattr(MACROS, name)(*args, **kwargs))


BREAKDOWNS = [
    {"severity": 35, "business_impact": 10.25, "segment": 0, "revenue": 7,
     "reputational_risk": 5},
    {"severity": 35.0, "business_impact": 0.0, "segment": 15.5, "revenue": 3.333,
     "reputational_risk": 0},
    {}, None, {"severity": 10},
]


@pytest.mark.parametrize("breakdown", BREAKDOWNS)
@pytest.mark.parametrize(("score", "threshold"), [(57, 50), (57, None), (12, 60), (0, 0),
                                                   (70, 70.5)])
def test_the_compact_priority_reads_as_the_macro_drew_it(app, breakdown, score, threshold):
    before = app.jinja_env.from_string(
        (Path(__file__).parent / "fixtures" / "priority_macros_before.html").read_text()).module
    escalation = SimpleNamespace(priority_score=score, priority_breakdown=breakdown)
    assert str(badges.priority_compact(escalation, threshold)) == \
        str(before.compact(escalation, threshold))


PEOPLE = [SimpleNamespace(name="Sam <W>", email="sam.w@ex.com", phone="+1 (555) 12-34"),
          SimpleNamespace(name="Sam", email="sam@ex.com", phone=""),
          SimpleNamespace(name="Ana & Co", email="a@b.c", phone=None), None]


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("role", ["Owner", "Your contact"])
def test_a_person_card_reads_as_the_macro_drew_it(app, role, person):
    before = app.jinja_env.from_string(
        (Path(__file__).parent / "fixtures" / "person_macro_before.html").read_text()).module
    assert str(templating.person_card(role, person)) == str(before.person(role, person))
