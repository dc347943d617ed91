"""Operators audit SLA clocks from the command line."""

import json
from datetime import timedelta

from portal.clock import now


def test_sla_show_prints_every_clock_as_json(runner, world):
    """`flask sla show REF --json` gives target, due time, counted minutes and state."""
    result = runner.invoke(args=["sla", "show", world.escalation_a.reference, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    (row,) = data["escalations"]
    assert row["reference"] == world.escalation_a.reference
    assert set(row["clocks"]) == {"acknowledge", "resolve"}
    ack = row["clocks"]["acknowledge"]
    assert ack["state"] == "on_track" and ack["target_minutes"] == 60  # Sev 2 in the factory
    assert row["next_update"]["basis"] == "commitment"


def test_sla_show_evaluates_at_a_chosen_time(runner, world):
    """--at replays the clocks at another moment: two hours on, the Sev 2 ack is breached."""
    later = (now() + timedelta(hours=2)).isoformat()
    result = runner.invoke(args=["sla", "show", "--at", later, "--json"])
    assert result.exit_code == 0, result.output
    states = {row["reference"]: row["clocks"]["acknowledge"]["state"]
              for row in json.loads(result.output)["escalations"]}
    assert states[world.escalation_a.reference] == "breached"


def test_sla_show_refuses_unknown_references(runner, world):
    """A typo is an error, not an empty answer."""
    result = runner.invoke(args=["sla", "show", "ESC-99999"])
    assert result.exit_code != 0 and "no escalation" in result.output


def test_sla_show_gives_the_next_update_clock_in_the_same_terms(runner, world):
    """The next-update clock also has its target, counted minutes and state."""
    result = runner.invoke(args=["sla", "show", world.escalation_a.reference, "--json"])
    nxt = json.loads(result.output)["escalations"][0]["next_update"]
    assert nxt["basis"] == "commitment" and nxt["state"] == "on_track"
    assert nxt["target_minutes"] == 120 and 0 <= nxt["counted_minutes"] < 5
    later = (now() + timedelta(hours=3)).isoformat()
    result = runner.invoke(args=["sla", "show", world.escalation_a.reference, "--at", later,
                                 "--json"])
    nxt = json.loads(result.output)["escalations"][0]["next_update"]
    assert nxt["state"] == "overdue" and nxt["overdue"] is True


def test_sla_show_refuses_a_time_it_cannot_read(runner, world):
    """A mistyped --at is an error naming the option, not a traceback."""
    result = runner.invoke(args=["sla", "show", "--at", "yesterday noon"])
    assert result.exit_code == 2
    assert "--at" in result.output and "ISO time" in result.output
