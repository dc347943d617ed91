"""The queue page's shell is remembered (admin/queue_page.py through portal.page_shell): every
page reads byte for byte as the template drew it whole before (its source kept in
tests/fixtures/queue_home_before.html), remembered or drawn afresh, as the navigation's counts
change, for each viewer, with refused filters, an empty queue and flashed messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import render_template_string

from admin import queue_page
from portal import page_shell
from portal.accounts.models import User
from portal.enums import Role, Status
from portal.escalations import operations as ops
from portal.escalations.models import Escalation
from tests import factories

BEFORE = (Path(__file__).parent.parent / "fixtures" / "queue_home_before.html").read_text()
NO_CACHE = {"Cache-Control": "no-cache"}


@pytest.fixture
def compared(monkeypatch):
    """Each queue page drawn also by the old template with the same context: (new, old)."""
    pairs = []
    drawn = queue_page.page

    def both(user, counts, **context):
        new = drawn(user, counts, **context)
        pairs.append((new, render_template_string(BEFORE, **context)))
        return new

    page_shell.forget()
    monkeypatch.setattr(queue_page, "page", both)
    return pairs


def _assert_same(pairs, expected: int):
    assert len(pairs) == expected
    for new, old in pairs:
        assert new == old
    pairs.clear()


def _hand_to(as_staff, world, escalation_id: int, role: Role):
    with as_staff() as session:
        escalation = session.get(Escalation, escalation_id)
        ops.transfer_ownership(escalation, session.get(User, world.staff[role].id),
                               actor=session.get(User, world.staff[Role.AGENT].id),
                               template=factories.handoff_template())


def test_the_page_reads_as_the_template_drew_it(client, auth, as_staff, world, compared):
    """The same page as before, remembered shell or not, as the handoff badge changes."""
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    for path in ("/admin/", "/admin/", "/admin/?severity=2&sort=age", "/admin/?view=mine",
                 "/admin/?page=2", "/admin/?severity=9", "/admin/?owner=x&sort=sideways"):
        response = client.get(path, headers=NO_CACHE)
        assert response.status_code == (422 if "=x" in path or "=9" in path else 200)
    _assert_same(compared, 7)
    assert len(page_shell._SHELLS._entries) == 1  # one viewer, one count: one shell, reused
    # the handoff badge's count changes: another shell, the new count
    _hand_to(as_staff, world, world.escalation_a.id, Role.ESCALATION_MANAGER)
    for _ in range(2):
        body = client.get("/admin/", headers=NO_CACHE).get_data(as_text=True)
        assert '<span class="nav-count">1<' in body
    _assert_same(compared, 2)


def test_each_viewer_sees_their_own_shell(client, auth, world, compared):
    """Each staff member sees their own name and navigation."""
    for role in (Role.AGENT, Role.ADMINISTRATOR, Role.ESCALATION_MANAGER, Role.AGENT):
        auth.login(world.staff[role].email)
        body = client.get("/admin/", headers=NO_CACHE).get_data(as_text=True)
        assert world.staff[role].name in body
        auth.logout("/admin/")
    _assert_same(compared, 8)  # each viewer twice: the page, then the one signing out


def test_flashed_messages_show_on_the_page(client, auth, world, compared):
    """A flashed message shows once, on the next page."""
    auth.login(world.staff[Role.AGENT].email)
    client.get("/admin/", headers=NO_CACHE)
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Saved <it>.")]
    body = client.get("/admin/", headers=NO_CACHE).get_data(as_text=True)
    assert "Saved &lt;it&gt;." in body
    assert "Saved" not in client.get("/admin/", headers=NO_CACHE).get_data(as_text=True)
    _assert_same(compared, 3)


def test_an_empty_queue_draws_the_page_whole(client, auth, as_staff, world, compared):
    """No open escalation carried the navigation's counts: the navigation asks itself."""
    with as_staff() as session:
        agent = session.get(User, world.staff[Role.AGENT].id)
        for escalation in session.query(Escalation).all():
            ops.change_status(escalation, Status.ACKNOWLEDGED, actor=agent)
            ops.change_status(escalation, Status.INVESTIGATING, actor=agent)
            ops.change_status(escalation, Status.RESOLVED, actor=agent,
                              resolution_summary="Done.")
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    assert "The queue is clear" in client.get("/admin/", headers=NO_CACHE).get_data(as_text=True)
    _assert_same(compared, 1)


def test_the_fragment_is_the_rows_alone(client, auth, world, compared):
    """A poll swaps the rows, never a whole page."""
    auth.login(world.staff[Role.AGENT].email)
    body = client.get("/admin/", headers={"HX-Request": "true", **NO_CACHE}).get_data(
        as_text=True)
    assert body.startswith('<section id="queue-rows"') and "<html" not in body
    _assert_same(compared, 0)
