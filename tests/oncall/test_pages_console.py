"""My pages in the console: the person paged sees and acknowledges their pages (here or on
the escalation's page); escalation managers see every page and acknowledge any; anyone else
may not; roster keepers set how often pages repeat."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.enums import Role
from portal.oncall.models import Team
from portal.oncall.pages import OncallPage
from portal.oncall.paging import REPEAT_SETTING, repeat_minutes
from portal.settings import get_setting
from tests import factories
from tests.conftest import csrf_token_from
from tests.oncall.paging import london_team, open_sev1, page_emails, sweep

OPENED = datetime(2026, 11, 24, 10, tzinfo=UTC)


@pytest.fixture
def paged(as_staff, world):
    """The world's agent is on call (alone in the rotation) and paged about a breach."""
    with as_staff() as session:
        london_team([world.staff[Role.AGENT]], starts_on=date(2026, 11, 2))
        escalation = open_sev1(factories.make_organization(), factories.make_staff(), OPENED)
        escalation_id = escalation.id
        sweep(OPENED + timedelta(minutes=15))
        page_id = session.scalar(select(OncallPage.id))
    return {"page_id": page_id, "escalation_id": escalation_id}


def _post(client, path, page, data=None):
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **(data or {})})


def test_the_person_paged_sees_the_page_and_acknowledges_it(client, auth, world, as_staff,
                                                           paged):
    """My pages lists it with its button; pressing it stops the repeats, audited."""
    auth.login(world.staff[Role.AGENT].email)
    html = client.get("/admin/on-call/pages").get_data(as_text=True)
    assert "Repeating" in html and "Acknowledge" in html
    answer = _post(client, f"/admin/on-call/pages/{paged['page_id']}/acknowledge",
                   "/admin/on-call/pages")
    assert answer.status_code == 302
    with as_staff() as session:
        page = session.get(OncallPage, paged["page_id"])
        assert page.acknowledged_by_id == world.staff[Role.AGENT].id
        assert session.scalar(select(AuditEvent.detail).where(
            AuditEvent.action == "oncall.page_acknowledged"))["via"] == "console"
        sweep(OPENED + timedelta(minutes=40))
        assert len(page_emails(paged["escalation_id"])) == 1
    html = client.get("/admin/on-call/pages").get_data(as_text=True)
    assert "Acknowledged" in html


def test_the_escalation_page_shows_the_page_and_its_button(client, auth, world, paged):
    """On the escalation's page, beside who is on call: the page and Acknowledge, which comes
    back to the escalation."""
    auth.login(world.staff[Role.AGENT].email)
    path = f"/admin/escalations/{paged['escalation_id']}"
    html = client.get(path).get_data(as_text=True)
    assert 'id="escalation-pages"' in html and "Acknowledge the page" in html
    answer = _post(client, f"/admin/on-call/pages/{paged['page_id']}/acknowledge", path,
                   {"next": path})
    assert answer.status_code == 302 and answer.location.endswith(path)
    assert "Acknowledge the page" not in client.get(path).get_data(as_text=True)


def test_someone_else_may_not_acknowledge_but_an_escalation_manager_may(client, auth, world,
                                                                        as_staff, paged):
    """An account manager who was not paged gets 403 and changes nothing; an escalation
    manager sees every page and acknowledges it."""
    auth.login(world.staff[Role.ACCOUNT_MANAGER].email)
    assert "Nobody has paged you" in client.get("/admin/on-call/pages").get_data(as_text=True)
    answer = _post(client, f"/admin/on-call/pages/{paged['page_id']}/acknowledge",
                   "/admin/on-call/pages")
    assert answer.status_code == 403
    with as_staff() as session:
        assert session.get(OncallPage, paged["page_id"]).acknowledged_at is None
    auth.logout("/admin/on-call/pages")
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    html = client.get("/admin/on-call/pages?all=1").get_data(as_text=True)
    assert world.staff[Role.AGENT].name in html
    answer = _post(client, f"/admin/on-call/pages/{paged['page_id']}/acknowledge",
                   "/admin/on-call/pages")
    assert answer.status_code == 302
    with as_staff() as session:
        page = session.get(OncallPage, paged["page_id"])
        assert page.acknowledged_by_id == world.staff[Role.ESCALATION_MANAGER].id


def test_acknowledging_twice_says_who_did_it_first(client, auth, world, paged):
    auth.login(world.staff[Role.AGENT].email)
    path = f"/admin/on-call/pages/{paged['page_id']}/acknowledge"
    _post(client, path, "/admin/on-call/pages")
    _post(client, path, "/admin/on-call/pages")
    html = client.get("/admin/on-call/pages").get_data(as_text=True)
    assert "Already acknowledged by" in html


def test_roster_keepers_set_how_often_pages_repeat(client, auth, world, as_staff, paged):
    """A team's own interval wins over the default; out of range answers 422 by the field;
    agents may not."""
    with as_staff() as session:
        team_id = session.scalar(select(Team.id))
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    answer = _post(client, "/admin/on-call/pages/repeat", "/admin/on-call/pages",
                   {"repeat-team": "", "repeat-minutes": "15"})
    assert answer.status_code == 302
    answer = _post(client, "/admin/on-call/pages/repeat", "/admin/on-call/pages",
                   {"repeat-team": str(team_id), "repeat-minutes": "5"})
    assert answer.status_code == 302
    bad = _post(client, "/admin/on-call/pages/repeat", "/admin/on-call/pages",
                {"repeat-team": "", "repeat-minutes": "0"})
    assert bad.status_code == 422
    with as_staff() as session:
        assert get_setting(REPEAT_SETTING) == {"default": 15, str(team_id): 5}
        assert repeat_minutes(session.get(Team, team_id)) == 5
        assert session.scalar(select(AuditEvent.id).where(
            AuditEvent.action == "setting.changed"))
    auth.logout("/admin/on-call/pages")
    auth.login(world.staff[Role.AGENT].email)
    refused = _post(client, "/admin/on-call/pages/repeat", "/admin/on-call/pages",
                    {"repeat-team": "", "repeat-minutes": "20"})
    assert refused.status_code == 403
