"""SLA policies in the console: targets per severity, 24×7 or business hours, holidays;
saved whole or not at all, audited, and moving the deadlines of open escalations."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.accounts.models import SlaPolicy, SlaTarget
from portal.audit import AuditEvent
from portal.enums import Role
from portal.escalations.models import Escalation

TARGETS = {1: (15, 60, 240), 2: (60, 240, 1440), 3: (240, 1440, 4320), 4: (1440, 4320, 14400)}


def _policy_data(client, path, **overrides) -> dict:
    html = client.get(path).get_data(as_text=True)
    data = {"csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1),
            "name": "Gold", "description": "Our best plan", "calendar": "24x7", "holidays": ""}
    for severity, (ack, upd, res) in TARGETS.items():
        data.update({f"sev{severity}-acknowledge": str(ack), f"sev{severity}-update": str(upd),
                     f"sev{severity}-resolve": str(res)})
    for day in range(7):
        data.update({f"day{day}-start": "09:00", f"day{day}-end": "18:00"})
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_an_administrator_creates_a_business_hours_policy(client, auth, world, as_staff):
    """Targets, open weekdays and holidays are saved as the SLA calendar reads them."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    data = _policy_data(client, "/admin/policies/new", calendar="business",
                        holidays="2026-12-25\n2027-01-01", **{"day0-open": "y",
                                                                "day4-open": "y",
                                                                "day4-end": "16:30"})
    answer = client.post("/admin/policies/new", data=data)
    assert answer.status_code == 302
    with as_staff() as session:
        policy = session.scalar(select(SlaPolicy).where(SlaPolicy.name == "Gold"))
        assert policy.business_hours == {"0": [["09:00", "18:00"]], "4": [["09:00", "16:30"]]}
        assert policy.holidays == ["2026-12-25", "2027-01-01"]
        assert {t.severity: (t.acknowledge_minutes, t.update_minutes, t.resolve_minutes)
                for t in policy.targets} == TARGETS
        entry = session.scalar(select(AuditEvent).where(
            AuditEvent.action == "sla_policy.created"))
        assert entry.detail["after"]["sev1_acknowledge_minutes"] == 15


def test_a_24x7_policy_ignores_the_hours_table(client, auth, world, as_staff):
    """With 24×7 chosen, odd leftovers in the hours table do not block saving."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    data = _policy_data(client, "/admin/policies/new", **{"day2-open": "y", "day2-end": "08:00"})
    assert client.post("/admin/policies/new", data=data).status_code == 302
    with as_staff() as session:
        assert session.scalar(select(SlaPolicy).where(SlaPolicy.name == "Gold")).is_24x7


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"name": ""}, "name", "Give the policy a name"),
    ({"sev3-resolve": "0"}, "sev3-resolve", "from 1 to"),
    ({"sev2-update": "soon"}, "sev2-update", "Not a valid integer"),
    ({"sev4-acknowledge": None}, "sev4-acknowledge", "Give the minutes"),
    ({"sev1-acknowledge": "500"}, "sev1-acknowledge", "cannot take longer than resolving"),
    ({"calendar": "business", "day1-open": "y", "day1-end": "08:00"}, "day1-end",
     "Closing time must be after"),
    ({"calendar": "business", "day1-open": "y", "day1-start": "9am"}, "day1-end",
     "Use 24-hour times"),
    ({"calendar": "business"}, "calendar", "Open at least one day"),
    ({"calendar": "business", "day0-open": "y", "holidays": "Christmas"}, "holidays",
     "Not a date"),
    ({"calendar": "sometimes"}, "calendar", "Not a valid choice"),
])
def test_one_bad_value_saves_nothing(client, auth, world, as_staff, overrides, field, message):
    """Every refused value answers 422 with its message beside the field; no policy and no
    target is written."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    with as_staff() as session:
        policies = session.scalar(select(func.count()).select_from(SlaPolicy))
        targets = session.scalar(select(func.count()).select_from(SlaTarget))
    answer = client.post("/admin/policies/new",
                         data=_policy_data(client, "/admin/policies/new", **overrides))
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert f'id="{field}-error"' in html and message in html
    assert f'<li><a href="#{field}">' in html  # the summary above the form links to it
    with as_staff() as session:
        assert session.scalar(select(func.count()).select_from(SlaPolicy)) == policies
        assert session.scalar(select(func.count()).select_from(SlaTarget)) == targets


def test_a_duplicate_name_is_refused(client, auth, world, as_staff):
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    with as_staff() as session:
        taken = session.get(SlaPolicy, world.org_b.sla_policy_id).name
    answer = client.post("/admin/policies/new",
                         data=_policy_data(client, "/admin/policies/new", name=taken.upper()))
    assert answer.status_code == 422 and "Another policy already has this name" in \
        answer.get_data(as_text=True)


def test_editing_targets_moves_open_escalations_and_audits_the_change(client, auth, world,
                                                                      as_staff):
    """A tighter resolve target moves the due instant of each open escalation on the plan;
    the audit event holds only what changed."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    policy_id = world.org_a.sla_policy_id
    with as_staff() as session:
        old_due = session.get(Escalation, world.escalation_a.id).resolve_due_at
        other_due = session.get(Escalation, world.escalation_b.id).resolve_due_at
        name = session.get(SlaPolicy, policy_id).name
    path = f"/admin/policies/{policy_id}/edit"
    answer = client.post(path, data=_policy_data(client, path, name=name, description="",
                                                 **{"sev2-resolve": "720"}))
    assert answer.status_code == 302
    with as_staff() as session:
        escalation = session.get(Escalation, world.escalation_a.id)
        assert escalation.severity == 2
        assert (old_due - escalation.resolve_due_at).total_seconds() == 720 * 60
        assert session.get(Escalation, world.escalation_b.id).resolve_due_at == other_due
        entry = session.scalar(select(AuditEvent).where(
            AuditEvent.action == "sla_policy.updated"))
        assert entry.detail == {"before": {"sev2_resolve_minutes": 1440},
                                "after": {"sev2_resolve_minutes": 720}}


def test_a_bad_edit_leaves_every_target_as_it_was(client, auth, world, as_staff):
    """Three good changes and one bad one: none is saved."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    policy_id = world.org_a.sla_policy_id
    path = f"/admin/policies/{policy_id}/edit"
    data = _policy_data(client, path, name="Renamed", **{
        "sev1-acknowledge": "5", "sev2-update": "30", "sev4-resolve": "-1"})
    assert client.post(path, data=data).status_code == 422
    with as_staff() as session:
        policy = session.get(SlaPolicy, policy_id)
        assert policy.name != "Renamed"
        assert policy.target_for(1).acknowledge_minutes == 15
        assert policy.target_for(2).update_minutes == 240


def test_the_policy_page_shows_targets_calendar_and_organizations(client, auth, world):
    """Anyone in the console reads a policy; only administrators see the edit button."""
    auth.login(world.staff[Role.AGENT].email)
    html = client.get(f"/admin/policies/{world.org_a.sla_policy_id}").get_data(as_text=True)
    assert "Acme Logistics" in html and "Around the clock" in html and "4 h" in html
    assert "Edit policy" not in html
    listing = client.get("/admin/policies").get_data(as_text=True)
    assert "1 organization" in listing


def test_the_edit_form_shows_the_stored_values(client, auth, world, as_staff):
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    with as_staff() as session:
        policy = session.get(SlaPolicy, world.org_a.sla_policy_id)
        policy.business_hours = {"2": [["08:00", "16:00"]]}
        policy.holidays = ["2026-12-24"]
    html = client.get(f"/admin/policies/{world.org_a.sla_policy_id}/edit").get_data(as_text=True)
    assert re.search(r'id="day2-open"[^>]*checked|checked[^>]*id="day2-open"', html)
    assert 'value="08:00"' in html and "2026-12-24" in html
    assert re.search(r'id="sev4-resolve"[^>]*value="14400"|value="14400"[^>]*id="sev4-resolve"',
                     html)


def test_a_new_policy_starts_from_suggested_targets(client, auth, world):
    """Nobody types twelve numbers from scratch: the form starts filled in, Mon–Fri open."""
    auth.login(world.staff[Role.ADMINISTRATOR].email)
    html = client.get("/admin/policies/new").get_data(as_text=True)
    assert re.search(r'id="sev1-acknowledge"[^>]*value="30"|value="30"[^>]*id="sev1-acknowledge"',
                     html)
    assert re.search(r'id="day0-open"[^>]*checked|checked[^>]*id="day0-open"', html)
    assert not re.search(r'id="day6-open"[^>]*checked|checked[^>]*id="day6-open"', html)
