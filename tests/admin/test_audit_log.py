"""The audit log page: newest first, paged, filtered; diffs and addresses shown; append-only;
and no secret ever written to it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal import audit
from portal.accounts.models import User
from portal.audit import AuditEvent
from portal.clock import frozen_at
from portal.enums import Role
from portal.escalations.models import Escalation
from tests import factories
from tests.admin.test_accounts import counted_queries

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def logged(as_staff, world):
    """A few known events, an hour apart, after everything the world wrote."""
    admin = world.staff[Role.ADMINISTRATOR]
    with as_staff() as session:
        actor = session.get(User, admin.id)
        escalation = session.get(Escalation, world.escalation_a.id)
        with frozen_at(T0):
            audit.record_change("escalation.tier_changed", actor=actor, obj=escalation,
                                before={"tier": "L1"}, after={"tier": "L2"})
            session.flush()  # the event's time is taken at flush
        with frozen_at(T0 + timedelta(days=1)):
            audit.record("user.role_changed", actor=actor, obj=actor,
                         before={"role": "agent"}, after={"role": "administrator"})
            session.flush()
        with frozen_at(T0 + timedelta(days=2)):
            audit.record("setting.changed", actor=None, key="x", before=1, after=2)
            session.flush()
    return world


def _rows(html: str) -> list[str]:
    import re

    return [code.replace("<wbr>", "") for code in
            re.findall(r'<tr id="audit-\d+">.*?<code>(.*?)</code>', html, re.S)]


def test_newest_first_with_diffs_links_and_addresses(client, auth, logged):
    """Each event shows actor, action, target (an escalation is a link), before → after."""
    auth.login(logged.staff[Role.ADMINISTRATOR].email)
    html = client.get("/admin/audit").get_data(as_text=True)
    assert _rows(html)[0] == "auth.login"  # the administrator's own sign-in, just now
    assert f'href="/admin/escalations/{logged.escalation_a.id}"' in html
    assert "<del>L1</del>" in html and "<ins>L2</ins>" in html
    assert "127.0.0.1" in html and logged.staff[Role.ADMINISTRATOR].name in html


def test_times_are_shown_in_the_viewers_timezone(client, auth, logged, as_staff):
    with as_staff() as session:
        session.get(User, logged.staff[Role.ADMINISTRATOR].id).timezone = "Asia/Tokyo"
    auth.login(logged.staff[Role.ADMINISTRATOR].email)
    html = client.get("/admin/audit?action=escalation.tier").get_data(as_text=True)
    assert "02 Nov 2026 18:00:00 JST" in html


@pytest.mark.parametrize(("query", "expected"), [
    ("action=user.role", ["user.role_changed"]),
    ("action=escalation.tier", ["escalation.tier_changed"]),
    ("object_type=Escalation&action=escalation.t", ["escalation.tier_changed"]),
    ("since=2026-11-03&until=2026-11-04", ["setting.changed", "user.role_changed"]),
    ("since=2026-11-03&until=2026-11-03", ["user.role_changed"]),
])
def test_filters_narrow_the_log(client, auth, logged, query, expected):
    auth.login(logged.staff[Role.ADMINISTRATOR].email)
    answer = client.get(f"/admin/audit?{query}")
    assert answer.status_code == 200
    assert _rows(answer.get_data(as_text=True)) == expected


def test_filter_by_actor_and_organization(client, auth, logged):
    admin = logged.staff[Role.ADMINISTRATOR]
    auth.login(admin.email)
    rows = _rows(client.get(f"/admin/audit?actor={admin.email.upper()}&action=user.")
                 .get_data(as_text=True))
    assert rows == ["user.role_changed"]
    rows = _rows(client.get(f"/admin/audit?organization={logged.org_b.id}")
                 .get_data(as_text=True))
    assert rows and "escalation.tier_changed" not in rows


def test_the_action_filter_treats_wildcards_as_text(client, auth, logged):
    auth.login(logged.staff[Role.ADMINISTRATOR].email)
    assert _rows(client.get("/admin/audit?action=%25").get_data(as_text=True)) == []


@pytest.mark.parametrize(("query", "field"), [
    ("actor=nobody@example.com", "actor"),
    ("since=yesterday", "since"),
    ("since=2026-11-05&until=2026-11-01", "until"),
    ("object_id=-3", "object_id"),
])
def test_bad_filters_are_explained(client, auth, logged, query, field):
    auth.login(logged.staff[Role.ADMINISTRATOR].email)
    answer = client.get(f"/admin/audit?{query}")
    assert answer.status_code == 422
    assert f'id="{field}-error"' in answer.get_data(as_text=True)


def test_the_log_is_paged_with_a_constant_number_of_queries(app, client, auth, logged,
                                                            as_staff):
    """Fifty events a page, older ones on the next; more events cost no more queries."""
    admin = logged.staff[Role.ADMINISTRATOR]
    auth.login(admin.email)
    with counted_queries(app) as few:
        client.get("/admin/audit")
    with as_staff():
        for n in range(60):
            person = factories.make_staff()  # each writes user.created with another actor
            audit.record("test.event", actor=person, obj=person, n=n)
    with counted_queries(app) as many:
        first = client.get("/admin/audit").get_data(as_text=True)
    assert len(many) == len(few)
    assert len(_rows(first)) == 50 and "Page 1 of" in first
    second = client.get("/admin/audit?page=2&action=test.").get_data(as_text=True)
    assert len(_rows(second)) == 10 and "action=test." in second


def test_there_is_no_route_to_change_or_delete_an_event(app):
    """Append-only: the console offers only GET on the log."""
    rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/admin/audit")]
    assert rules and all(rule.methods <= {"GET", "HEAD", "OPTIONS"} for rule in rules)


def test_the_database_refuses_edits_of_an_event(as_staff, logged):
    with pytest.raises(PermissionError), as_staff() as session:
        session.scalars(select(AuditEvent)).first().action = "rewritten"
        session.flush()


def test_secrets_are_redacted_at_any_depth(as_staff, world):
    with as_staff() as session:
        entry = audit.record("test.secret", password="hunter2hunter2",
                             before={"token": "abc", "name": "x"})
        session.flush()
        assert entry.detail == {"password": "[redacted]",
                                "before": {"token": "[redacted]", "name": "x"}}


def test_sign_in_events_never_hold_a_password(app, world, as_staff):
    """Neither a right nor a wrong password, nor one typed into the email field."""
    from tests.conftest import AuthActions

    AuthActions(app.test_client()).login(world.staff[Role.AGENT].email)
    AuthActions(app.test_client()).login(world.staff[Role.AGENT].email, "wrong password 123")
    with as_staff():
        from portal.accounts.credentials import authenticate

        assert authenticate("my secret password", "x") is None  # the form would refuse it
    with as_staff() as session:
        details = json.dumps([e.detail for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("auth.%")))])
    assert factories.PASSWORD not in details
    assert "wrong password 123" not in details and "my secret password" not in details
    assert "(not an email address)" in details


def test_only_roles_with_the_capability_read_the_log(client, auth, world):
    auth.login(world.staff[Role.AGENT].email)
    assert client.get("/admin/audit").status_code == 403
    assert 'href="/admin/audit"' not in client.get("/admin/").get_data(as_text=True)


def test_from_to_pairs_and_single_values_show_as_changes(client, auth, world, as_staff):
    """A status change (from_status/to_status) and a setting (one before/after value) read as
    before → after like every other change; plain details stay details."""
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        audit.record("escalation.status_changed", obj=escalation, from_status="new",
                     to_status="acknowledged")
        audit.record("setting.changed", key="handoffs.acknowledge_within_minutes", before=30,
                     after=45)
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    html = client.get("/admin/audit?action=escalation.status").get_data(as_text=True)
    assert "<del>new</del>" in html and "<ins>acknowledged</ins>" in html
    html = client.get("/admin/audit?action=setting.").get_data(as_text=True)
    assert "<del>30</del>" in html and "<ins>45</ins>" in html
    assert "handoffs.acknowledge_within_minutes" in html


def test_changes_in_reads_every_shape():
    from portal.audit import changes_in

    assert changes_in({"from_status": "new", "to_status": "acknowledged", "reason": "x"}) == (
        [("status", "new", "acknowledged", True)], {"reason": "x"})
    assert changes_in({"key": "k", "before": 1, "after": 2}) == (
        [("value", 1, 2, True)], {"key": "k"})
    assert changes_in({"after": {"name": "A"}}) == ([("name", None, "A", False)], {})
    assert changes_in(None) == ([], {})
