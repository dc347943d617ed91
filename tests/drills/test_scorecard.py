"""A drill's scorecard, checked against the timeline worked out by hand: acknowledge at 4
min, ownership taken at 3, the first (drafted) customer update at 6, one handoff with four of
its five fields, one of two promises kept, four of five scripted events answered."""

from __future__ import annotations

from datetime import timedelta

from portal.clock import frozen_at
from portal.drills import operations as drills
from portal.drills.jobs import run_drills
from portal.drills.models import Drill, DrillScenario
from portal.enums import Role, Status, Trigger, Visibility
from portal.escalations import operations as ops
from portal.escalations.models import Escalation, Handoff
from portal.escalations.operations import HandoffTemplate
from tests.drills.conftest import SCRIPT, START, scenario_settings

LONG_SCRIPT = [*SCRIPT,
               {"minute": 15, "kind": "customer_comment", "text": "Still down here."},
               {"minute": 25, "kind": "internal_note", "text": "Nobody answers this one."}]


def _at(minutes: int):
    return frozen_at(START + timedelta(minutes=minutes))


def test_the_scorecard_matches_the_timeline_worked_out_by_hand(world, as_staff, client, auth):
    with _at(0), as_staff() as session:
        manager = session.merge(world.staff[Role.ESCALATION_MANAGER])
        agent = session.merge(world.staff[Role.AGENT])
        scenario = drills.create_scenario(scenario_settings(world, script=LONG_SCRIPT),
                                          actor=manager)
        session.flush()
        drill = drills.start_drill(session.get(DrillScenario, scenario.id), participants=[],
                                   owner=agent, actor=manager)
        session.flush()
        drill_id, escalation_id = drill.id, drill.escalation_id

    def act(minute, work):
        with _at(minute), as_staff() as session:
            run_drills()
            work(session, session.get(Escalation, escalation_id),
                 session.merge(world.staff[Role.AGENT]))

    def take(session, escalation, agent):  # ownership taken at 3 min
        handoff = session.query(Handoff).filter_by(escalation_id=escalation_id).one()
        ops.acknowledge_handoff(handoff, actor=agent)

    def promise(minutes):
        def post(session, escalation, agent):
            ops.post_update(escalation, author=agent, body="Drafted update.",
                            visibility=Visibility.CUSTOMER,
                            next_update_by=START + timedelta(minutes=minutes))
        return post

    def hand_over(session, escalation, agent):  # reason detail left empty: 4 of 5 fields
        ops.transfer_ownership(escalation, session.merge(world.staff[Role.ESCALATION_MANAGER]),
                               actor=agent, template=HandoffTemplate(
                                   summary="Checkout down", customer_impact="No orders",
                                   steps_taken="Rolled back", environment="eu-west",
                                   reason=Trigger.SEVERITY))

    act(2, lambda s, e, a: None)  # the customer's comment arrives (minute 2)
    act(3, take)
    act(4, lambda s, e, a: ops.change_status(e, Status.ACKNOWLEDGED, actor=a))  # answers 2
    act(5, lambda s, e, a: None)  # the monitoring alert arrives
    act(6, promise(16))  # first customer update, answers 5; promises minute 16 (missed)
    act(7, hand_over)
    act(9, lambda s, e, a: None)  # severity raised
    act(12, lambda s, e, a: ops.post_update(e, author=a, body="Looking at eu-west.",
                                            visibility=Visibility.INTERNAL))  # answers 9
    act(15, lambda s, e, a: None)  # the customer again
    act(18, promise(22))  # late for minute 16; answers 15; promises minute 22 (kept)
    act(20, lambda s, e, a: ops.post_update(e, author=a, body="Fix deploying.",
                                            visibility=Visibility.CUSTOMER))
    act(25, lambda s, e, a: None)  # the note nobody answers
    with _at(30), as_staff() as session:
        drills.end_drill(session.get(Drill, drill_id),
                         actor=session.merge(world.staff[Role.ESCALATION_MANAGER]))
        drill = session.get(Drill, drill_id)
        figures = (drill.ack_seconds, drill.assign_seconds, drill.first_update_seconds,
                   drill.handoff_fields_filled, drill.handoff_fields_total,
                   drill.promises_kept, drill.promises_due,
                   drill.injections_handled, drill.injections_total)
        handled = [(i.minute, i.handled_at) for i in drill.injections]
    assert figures == (4 * 60, 3 * 60, 6 * 60, 4, 5, 1, 2, 4, 5)
    assert handled == [(2, START + timedelta(minutes=4)), (5, START + timedelta(minutes=6)),
                       (9, START + timedelta(minutes=12)), (15, START + timedelta(minutes=18)),
                       (25, None)]
    auth.login(world.staff[Role.AGENT].email)
    page = client.get(f"/admin/drills/{drill_id}").get_data(as_text=True)
    card = page.split('id="scorecard"', 1)[1].split("</section>", 1)[0]
    for shown in ("4 min 00 s", "3 min 00 s", "6 min 00 s", "4 of 5", "1 of 2"):
        assert shown in card, shown
    listing = client.get("/admin/drills").get_data(as_text=True)
    row = listing.split('id="past-drills"', 1)[1].split("</tr>", 2)[1]
    assert "4 min 00 s" in row and "4 of 5" in row and "1 of 2" in row


def test_past_drills_line_up_for_comparison(world, as_staff, start_drill, client, auth):
    """Two runs of the same scenario, newest first, each with its own figures."""
    first, _ = start_drill()
    with _at(5), as_staff() as session:
        drills.end_drill(session.get(Drill, first),
                         actor=session.merge(world.staff[Role.ESCALATION_MANAGER]))
    later = START + timedelta(days=7)
    second, escalation_id = start_drill(at=later)
    with frozen_at(later + timedelta(minutes=1)), as_staff() as session:
        ops.change_status(session.get(Escalation, escalation_id), Status.ACKNOWLEDGED,
                          actor=session.merge(world.staff[Role.AGENT]))
    with frozen_at(later + timedelta(minutes=2)), as_staff() as session:
        drills.end_drill(session.get(Drill, second),
                         actor=session.merge(world.staff[Role.ESCALATION_MANAGER]))
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    table = client.get("/admin/drills").get_data(as_text=True).split('id="past-drills"', 1)[1]
    rows = table.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr>")[1:]
    assert [f"/admin/drills/{second}" in rows[0], f"/admin/drills/{first}" in rows[1]] == [
        True, True]
    assert "1 min 00 s" in rows[0] and "not done" in rows[1]
