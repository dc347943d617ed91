"""A scenario and a running drill for the console's role walk and the page-width walk."""

from __future__ import annotations

from portal.drills import operations as drills
from portal.enums import Role


def drill_for_the_walk(session, world) -> tuple[int, int]:
    """(scenario id, drill id): a two-event scenario of organization A, started by the
    administrator with the agent owning it."""
    admin = session.get(type(world.staff[Role.ADMINISTRATOR]),
                        world.staff[Role.ADMINISTRATOR].id)
    agent = session.get(type(world.staff[Role.AGENT]), world.staff[Role.AGENT].id)
    scenario = drills.create_scenario(drills.ScenarioSettings(
        name="Role walk drill", organization_id=world.org_a.id,
        title="Checkout answers 503 for every customer in the EU region", severity=2,
        product_area="Checkout", summary="Payments time out after 30 s.",
        customer_impact="No orders since 09:00.",
        script=[{"minute": 0, "kind": "customer_comment", "text": "Any news?"},
                {"minute": 5, "kind": "monitoring_alert", "text": "p99 above 4 s"}]),
        actor=admin)
    session.flush()
    drill = drills.start_drill(scenario, participants=[agent], owner=agent, actor=admin)
    session.flush()
    return scenario.id, drill.id
