"""On-call rosters in the console: escalation managers build a team's rotation and overrides;
everyone in the console sees who is on call now, the team's next weeks, and the person on call
for an escalation's product area on its page and above the queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.clock import frozen_at
from portal.enums import Role
from portal.oncall import queries
from portal.oncall.models import RosterOverride, Team, TeamMember
from tests import factories
from tests.conftest import csrf_token_from
from tests.querycount import counted_queries

MONDAY = datetime(2026, 11, 30, 12, tzinfo=UTC)  # 13:00 in Berlin


def _team_form(people, **overrides) -> dict:
    data = {"name": "Platform", "product_area": "Public API", "timezone": "Europe/Berlin",
            "rotation_length": "weekly", "handoff_weekday": "0", "handoff_time": "09:00",
            "starts_on": "2026-11-30"}
    data.update({f"members-{n}": str(person.id) for n, person in enumerate(people)})
    data.update(overrides)
    return data


def _post(client, path, data, page=None):
    token = csrf_token_from(client.get(page or path).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


@dataclass(frozen=True)
class Person:
    id: int
    name: str


@pytest.fixture
def rota(world, as_staff) -> list[Person]:
    """Three staff members for a rotation (plain values, readable outside the app)."""
    with as_staff():
        people = [world.staff[Role.AGENT], factories.make_staff(), factories.make_staff()]
        rota = [Person(person.id, person.name) for person in people]
    return rota


def test_an_escalation_manager_builds_a_team_and_everyone_sees_who_is_on_call(
        client, auth, world, as_staff, rota):
    """The first person covers the first week from Monday 09:00 Berlin; the board, the team's
    calendar and the audit log say so."""
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    with frozen_at(MONDAY):
        answer = _post(client, "/admin/on-call/new", _team_form(rota))
        assert answer.status_code == 302
        board = client.get("/admin/on-call").get_data(as_text=True)
        team_page = client.get(answer.location).get_data(as_text=True)
    assert f"<strong>{rota[0].name}</strong>" in board
    assert "Mon 07 Dec" in board  # until the next handoff
    assert team_page.count("Rotation</div>") == 5  # the week running, then four more begin
    assert team_page.index(rota[1].name) < team_page.index(rota[2].name)
    with as_staff() as session:
        assert session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_type == "Team")).all() == ["oncall.team_created"]


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"timezone": "Mars/Olympus"}, "timezone", "Use an IANA time zone name"),
    ({"members-1": "FIRST"}, "members-1", "This person is in the rotation already."),
    ({"name": ""}, "name", "Give the team a name."),
    ({"handoff_time": "25:00"}, "handoff_time", "Not a valid time value."),
])
def test_a_team_the_rota_cannot_run_on_is_refused_beside_its_field(
        client, auth, world, as_staff, rota, change, field, message):
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    change = {k: (str(rota[0].id) if v == "FIRST" else v) for k, v in change.items()}
    answer = _post(client, "/admin/on-call/new", _team_form(rota[:2], **change))
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert f'id="{field}-error"' in html and message in html
    with as_staff() as session:
        assert session.scalars(select(Team)).all() == []


def test_a_second_team_cannot_claim_the_same_product_area(client, auth, world, rota):
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    assert _post(client, "/admin/on-call/new", _team_form(rota)).status_code == 302
    again = _post(client, "/admin/on-call/new", _team_form(rota, name="Platform 2"))
    assert again.status_code == 422
    assert "Another team covers this product area already." in again.get_data(as_text=True)


def test_an_override_covers_a_holiday_and_shows_in_the_calendar(client, auth, world,
                                                                 as_staff, rota):
    """Typed in the team's zone, stored as UTC, shown with its reason; removing it gives
    the week back to the rotation."""
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    with frozen_at(MONDAY):
        team_url = _post(client, "/admin/on-call/new", _team_form(rota)).location
        team_id = int(team_url.rsplit("/", 1)[1])
        cover = {"override-user_id": str(rota[2].id), "override-starts_at": "2026-12-01T18:00",
                 "override-ends_at": "2026-12-02T09:00", "override-reason": "Anna's holiday"}
        late = _post(client, f"/admin/on-call/{team_id}/overrides",
                     {**cover, "override-ends_at": "2026-12-01T17:00"}, page=team_url)
        assert late.status_code == 422
        assert "The end must be after the start." in late.get_data(as_text=True)
        added = _post(client, f"/admin/on-call/{team_id}/overrides", cover, page=team_url)
        assert added.status_code == 302
        page = client.get(team_url).get_data(as_text=True)
    assert "Anna&#39;s holiday" in page and "Tue 01 Dec, 18:00" in page
    with as_staff() as session:
        override = session.scalars(select(RosterOverride)).one()
        assert override.starts_at == datetime(2026, 12, 1, 17, tzinfo=UTC)
        on_call = queries.on_call_for("Public API", datetime(2026, 12, 1, 20, tzinfo=UTC))
        assert on_call.user.id == rota[2].id and on_call.shift.reason == "Anna's holiday"
        override_id = override.id
    with frozen_at(MONDAY):
        assert _post(client, f"/admin/on-call/{team_id}/overrides/{override_id}/remove", {},
                     page=team_url).status_code == 302
    with as_staff() as session:
        assert session.scalars(select(RosterOverride)).all() == []


def test_the_board_costs_the_same_statements_for_one_team_or_ten(app, world, staff_session):
    """Teams, their overrides now, and the people on call: a fixed number of statements."""
    def add_teams(n, offset):
        for i in range(n):
            team = Team(name=f"Team {offset + i}", product_area=f"Area {offset + i}",
                        timezone="Europe/Berlin", starts_on=date(2026, 11, 2))
            staff_session.add(team)
            staff_session.flush()
            person = factories.make_staff()
            staff_session.add(TeamMember(team_id=team.id, user_id=person.id, position=0))
            staff_session.add(RosterOverride(
                team_id=team.id, user_id=person.id, starts_at=MONDAY - timedelta(hours=1),
                ends_at=MONDAY + timedelta(hours=1), reason="swap", created_by_id=person.id))
        staff_session.flush()
        staff_session.expire_all()

    add_teams(1, 0)
    with counted_queries() as one:
        assert len(queries.board(MONDAY)) == 1
    add_teams(9, 1)
    with counted_queries() as ten:
        rows = queries.board(MONDAY)
    assert len(rows) == 10 and all(on_call.shift.reason == "swap" for _, on_call in rows)
    assert len(ten) == len(one)


def test_the_escalation_page_and_the_queue_name_who_is_on_call(client, auth, world, as_staff,
                                                              rota):
    """An escalation of the team's product area names its person on call and until when; the
    strip above the queue lists every team's."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    with as_staff() as session:
        escalation = session.get(type(world.escalation_a), world.escalation_a.id)
        escalation.product_area = "Public API"
    with frozen_at(MONDAY):
        _post(client, "/admin/on-call/new", _team_form(rota))
        page = client.get(f"/admin/escalations/{world.escalation_a.id}").get_data(as_text=True)
        strip = client.get("/admin/on-call/now", headers={"HX-Request": "true"})
        queue = client.get("/admin/").get_data(as_text=True)
    assert "On call now</h3>" in page and f"<strong>{rota[0].name}</strong>" in page
    assert "Until Mon 07 Dec" in page
    assert 'hx-get="/admin/on-call/now"' in queue
    assert f"Platform</a>: <strong>{rota[0].name}</strong>" in strip.get_data(as_text=True)
    other = client.get(f"/admin/escalations/{world.escalation_b.id}").get_data(as_text=True)
    assert "No on-call team covers" in other
