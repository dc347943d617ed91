"""The console's frame: navigation by role, the escalation page's tabs, runtime settings."""

import pytest

from portal.enums import Role
from portal.permissions import Capability, can, can_publish_to
from portal.settings import Setting, get_setting, set_setting


def test_the_escalation_page_shows_its_header_and_tabs(client, auth, world):
    auth.login(world.staff[Role.AGENT].email)
    page = client.get(f"/admin/escalations/{world.escalation_a.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert world.escalation_a.reference in html and "Acme Logistics" in html
    assert 'aria-label="Escalation sections"' in html and 'aria-current="page">Overview' in html


def test_an_unknown_escalation_is_a_404(client, auth, world):
    auth.login(world.staff[Role.AGENT].email)
    assert client.get("/admin/escalations/999999").status_code == 404


def test_the_console_navigation_lists_registered_pages(client, auth, world):
    auth.login(world.staff[Role.AGENT].email)
    html = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/"' in html and 'href="/admin/sent-mail"' in html


@pytest.mark.parametrize(("role", "shown"), [
    (Role.AGENT, False), (Role.ACCOUNT_MANAGER, True), (Role.ESCALATION_MANAGER, True),
    (Role.ADMINISTRATOR, True),
])
def test_the_analytics_link_shows_to_those_who_may_read_them(client, auth, world, role, shown):
    auth.login(world.staff[role].email)
    html = client.get("/admin/").get_data(as_text=True)
    assert ('href="/admin/analytics"' in html) is shown


@pytest.mark.parametrize(("role", "expected"), [
    (Role.AGENT, {Capability.VIEW_CONSOLE, Capability.WORK_ESCALATIONS,
                  Capability.POST_CUSTOMER_UPDATES}),
    (Role.ACCOUNT_MANAGER, {Capability.VIEW_CONSOLE, Capability.POST_CUSTOMER_UPDATES,
                            Capability.SCHEDULE_NOTICES, Capability.VIEW_ANALYTICS,
                            Capability.RECORD_TICKET_VOLUMES}),
    (Role.ESCALATION_MANAGER, set(Capability) - {Capability.MANAGE_ACCOUNTS}),
    (Role.ADMINISTRATOR, set(Capability)),
])
def test_roles_grant_their_capabilities(world, role, expected):
    assert {c for c in Capability if can(world.staff[role], c)} == expected


def test_customers_have_no_console_capability(world):
    assert not any(can(world.customers_a[Role.CUSTOMER_ADMIN], c) for c in Capability)


def test_account_managers_publish_only_to_their_accounts(world):
    manager = world.staff[Role.ACCOUNT_MANAGER]
    world.org_a.account_manager_id = manager.id
    assert can_publish_to(manager, world.org_a)
    assert not can_publish_to(manager, world.org_b)
    assert not can_publish_to(world.staff[Role.AGENT], world.org_b)  # only where they own


def test_a_setting_change_is_stored_and_audited(as_staff, world):
    from sqlalchemy import select

    from portal.audit import AuditEvent

    with as_staff() as session:
        admin = session.get(type(world.staff[Role.ADMINISTRATOR]),
                            world.staff[Role.ADMINISTRATOR].id)
        assert get_setting("test.threshold", 70) == 70
        set_setting("test.threshold", 80, actor=admin)
        set_setting("test.threshold", 85, actor=admin)
        session.flush()
        assert get_setting("test.threshold") == 85
        assert session.get(Setting, "test.threshold").updated_by_id == admin.id
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "setting.changed")
                                 .order_by(AuditEvent.id)).all()
        assert [(e.detail.get("before"), e.detail["after"]) for e in events] == [(None, 80),
                                                                                (80, 85)]


def test_record_change_keeps_only_changed_fields(as_staff, world):
    from portal import audit

    with as_staff() as session:
        escalation = session.get(type(world.escalation_a), world.escalation_a.id)
        before = audit.snapshot(escalation, ["title", "severity", "tier"])
        escalation.title = "Renamed"
        event = audit.record_change("escalation.edited", actor=None,
                                    obj=escalation, before=before,
                                    after=audit.snapshot(escalation, ["title", "severity",
                                                                      "tier"]))
        assert event.detail == {"before": {"title": "Acme Logistics checkout outage"},
                                "after": {"title": "Renamed"}}
        assert audit.record_change("escalation.edited", actor=None, obj=escalation,
                                   before=before | {"title": "Renamed"},
                                   after=audit.snapshot(escalation, ["title", "severity",
                                                                     "tier"])) is None


def test_placeholders_fill_and_unknown_ones_are_reported(as_staff, world):
    from datetime import UTC, datetime

    from portal.escalations.placeholders import fill_placeholders, unknown_placeholders

    with as_staff() as session:
        escalation = session.get(type(world.escalation_a), world.escalation_a.id)
        text = "Hello {customer_name}: {reference} next update {next_update_time} by {owner} {x}"
        filled = fill_placeholders(text, escalation,
                                   next_update_by=datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
        assert filled.startswith(f"Hello Acme Logistics: {world.escalation_a.reference} next")
        assert "Mon 23 Nov, 13:00 CET" in filled and filled.endswith("{x}")
        assert unknown_placeholders(text) == ["x"]
