"""Every console route, walked with every kind of visitor.

Anonymous visitors are sent to sign in, customers of every role get 403, and each staff role
gets exactly what its capabilities allow: 200 for a GET page it may open, 403 for one it may
not; a POST it may not make answers 403 and changes nothing in the database.

EXPECTED is the one table to extend when a console route is added: endpoint → the capability
it needs. A route missing from it, or a URL argument `_values_for` does not know, fails the
test loudly, so no route ships unchecked.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from portal.enums import CUSTOMER_ROLES, STAFF_ROLES, Role
from portal.extensions import db
from portal.notices.models import Channel, Notice
from portal.permissions import Capability, can
from tests.conftest import AuthActions, csrf_token_from
from tests.reports.conftest import _report_cache, published  # noqa: F401  (reviews to walk)

# escalation_a is resolved with a published review, so the review's routes answer too.
pytestmark = pytest.mark.usefixtures("published")

C = Capability

EXPECTED: dict[str, Capability] = {
    # the console's frame (main)
    "admin.home": C.VIEW_CONSOLE,
    "admin.queue_csv": C.VIEW_CONSOLE,
    "admin.escalation": C.VIEW_CONSOLE,
    "admin.sent_mail": C.VIEW_CONSOLE,
    "admin.sent_mail_message": C.VIEW_CONSOLE,
    "admin.sent_mail_html": C.VIEW_CONSOLE,
    # accounts: organizations, SLA policies, people, audit log
    "admin.organizations": C.VIEW_CONSOLE,
    "admin.organization": C.VIEW_CONSOLE,
    "admin.organization_new": C.MANAGE_ACCOUNTS,
    "admin.organization_edit": C.MANAGE_ACCOUNTS,
    "admin.organization_invite": C.MANAGE_ACCOUNTS,
    "admin.organization_revoke_invitation": C.MANAGE_ACCOUNTS,
    "admin.policies": C.VIEW_CONSOLE,
    "admin.policy": C.VIEW_CONSOLE,
    "admin.policy_new": C.MANAGE_ACCOUNTS,
    "admin.policy_edit": C.MANAGE_ACCOUNTS,
    "admin.people": C.VIEW_CONSOLE,
    "admin.people_create": C.MANAGE_ACCOUNTS,
    "admin.api_tokens": C.MANAGE_ACCOUNTS,
    "admin.api_token_create": C.MANAGE_ACCOUNTS,
    "admin.api_token_revoke": C.MANAGE_ACCOUNTS,
    "admin.people_role": C.MANAGE_ACCOUNTS,
    "admin.people_deactivate": C.MANAGE_ACCOUNTS,
    "admin.people_reactivate": C.MANAGE_ACCOUNTS,
    "admin.organization_single_sign_on": C.MANAGE_ACCOUNTS,
    "admin.staff_single_sign_on": C.MANAGE_ACCOUNTS,
    "admin.audit_log": C.VIEW_AUDIT_LOG,
    "admin.audit_log_csv": C.VIEW_AUDIT_LOG,
    # staff analytics and the ticket volumes they divide by
    "admin.analytics": C.VIEW_ANALYTICS,
    "admin.analytics_csv": C.VIEW_ANALYTICS,
    "admin.analytics_oncall_csv": C.VIEW_ANALYTICS,
    "admin.ticket_volume_entry": C.RECORD_TICKET_VOLUMES,
    # priority weights and threshold (the POST needs SET_THRESHOLDS: tests/admin/test_queue.py)
    "admin.priority": C.VIEW_CONSOLE,
    # who must use two-factor sign-in beyond the roles that always must
    "admin.two_factor": C.MANAGE_ACCOUNTS,
    # lifecycle: new escalation, edits, workflow, tier, communicator, handoffs
    "admin.new_escalation": C.WORK_ESCALATIONS,
    "admin.edit_escalation": C.WORK_ESCALATIONS,
    "admin.change_severity": C.WORK_ESCALATIONS,
    "admin.change_status": C.WORK_ESCALATIONS,
    "admin.change_tier": C.WORK_ESCALATIONS,
    "admin.answer_customer_request": C.WORK_ESCALATIONS,
    "admin.assign_communicator": C.WORK_ESCALATIONS,
    "admin.transfer_ownership": C.WORK_ESCALATIONS,
    "admin.handoffs": C.VIEW_CONSOLE,
    "admin.acknowledge_handoff": C.WORK_ESCALATIONS,
    # timeline, approvals, update templates
    "admin.escalation_timeline": C.VIEW_CONSOLE,
    "admin.post_to_timeline": C.WORK_ESCALATIONS,
    "admin.timeline_preview": C.POST_CUSTOMER_UPDATES,
    "admin.edit_timeline_update": C.WORK_ESCALATIONS,
    "admin.retract_timeline_update": C.WORK_ESCALATIONS,
    "admin.timeline_update_history": C.VIEW_CONSOLE,
    "admin.approvals": C.POST_CUSTOMER_UPDATES,
    "admin.approval": C.POST_CUSTOMER_UPDATES,
    "admin.approve": C.POST_CUSTOMER_UPDATES,
    "admin.reject": C.POST_CUSTOMER_UPDATES,
    "admin.update_templates": C.VIEW_CONSOLE,
    "admin.update_approval_settings": C.SET_THRESHOLDS,
    "admin.new_update_template": C.MANAGE_ACCOUNTS,
    "admin.edit_update_template_page": C.MANAGE_ACCOUNTS,
    "admin.archive_update_template_page": C.MANAGE_ACCOUNTS,
    "admin.update_template_preview": C.MANAGE_ACCOUNTS,
    # rules and thresholds (the POST needs SET_THRESHOLDS: tests/rules)
    "admin.rules": C.VIEW_CONSOLE,
    # post-incident reviews and report PDFs
    "admin.escalation_review": C.VIEW_CONSOLE,
    "admin.save_review": C.WORK_ESCALATIONS,
    "admin.start_review": C.WORK_ESCALATIONS,
    "admin.submit_review": C.WORK_ESCALATIONS,
    "admin.return_review": C.WORK_ESCALATIONS,
    "admin.publish_review": C.POST_CUSTOMER_UPDATES,
    "admin.add_review_action": C.WORK_ESCALATIONS,
    "admin.update_review_action": C.WORK_ESCALATIONS,
    "admin.remove_review_action": C.WORK_ESCALATIONS,
    "admin.review_preview_pdf": C.VIEW_CONSOLE,
    "admin.review_version_pdf": C.VIEW_CONSOLE,
    "admin.organization_summary_pdf": C.VIEW_CONSOLE,
    "admin.render_status": C.VIEW_CONSOLE,
    # delivery log, dead letters, scheduled notices, broadcasts
    "admin.delivery": C.VIEW_CONSOLE,
    "admin.delivery_csv": C.VIEW_CONSOLE,
    "admin.escalation_delivery": C.VIEW_CONSOLE,
    "admin.dead_letters": C.VIEW_CONSOLE,
    "admin.delivery_notice": C.VIEW_CONSOLE,
    "admin.retry_delivery": C.WORK_ESCALATIONS,
    "admin.scheduled_notices": C.VIEW_CONSOLE,
    "admin.new_scheduled_notice": C.SCHEDULE_NOTICES,
    "admin.edit_scheduled_notice": C.SCHEDULE_NOTICES,
    "admin.cancel_scheduled_notice": C.SCHEDULE_NOTICES,
    "admin.broadcasts": C.SCHEDULE_NOTICES,
    "admin.new_broadcast": C.SCHEDULE_NOTICES,
    # webhook endpoints (every organization's and the staff teams')
    "admin.webhooks": C.VIEW_CONSOLE,
    "admin.webhook": C.VIEW_CONSOLE,
    "admin.webhook_create": C.MANAGE_WEBHOOKS,
    "admin.webhook_edit": C.MANAGE_WEBHOOKS,
    "admin.webhook_test": C.MANAGE_WEBHOOKS,
    "admin.webhook_pause": C.MANAGE_WEBHOOKS,
    "admin.webhook_resume": C.MANAGE_WEBHOOKS,
    "admin.webhook_rotate": C.MANAGE_WEBHOOKS,
    "admin.webhook_delete": C.MANAGE_WEBHOOKS,
    # plan and preview as customer
    "admin.escalation_plan": C.VIEW_CONSOLE,
    "admin.plan_add": C.WORK_ESCALATIONS,
    "admin.plan_edit": C.WORK_ESCALATIONS,
    "admin.plan_mark": C.WORK_ESCALATIONS,
    "admin.plan_delete": C.WORK_ESCALATIONS,
    "admin.plan_move": C.WORK_ESCALATIONS,
    "admin.escalation_preview": C.VIEW_CONSOLE,
    "admin.organization_preview": C.VIEW_CONSOLE,
    "admin.preview_start": C.VIEW_CONSOLE,
    "admin.preview_exit": C.VIEW_CONSOLE,
    # on-call rosters
    "admin.oncall": C.VIEW_CONSOLE,
    "admin.oncall_team": C.VIEW_CONSOLE,
    "admin.oncall_now": C.VIEW_CONSOLE,
    "admin.oncall_new": C.MANAGE_ROSTERS,
    "admin.oncall_edit": C.MANAGE_ROSTERS,
    "admin.oncall_override_add": C.MANAGE_ROSTERS,
    "admin.oncall_override_remove": C.MANAGE_ROSTERS,
    "admin.oncall_routing": C.VIEW_CONSOLE,
    "admin.oncall_rule_new": C.MANAGE_ROSTERS,
    "admin.oncall_rule_edit": C.MANAGE_ROSTERS,
    "admin.oncall_rule_delete": C.MANAGE_ROSTERS,
    "admin.oncall_rule_move": C.MANAGE_ROSTERS,
    # on-call pages (acknowledging: the person paged or a roster keeper, checked by the
    # operation; tests/oncall/test_pages_console.py)
    "admin.oncall_pages": C.VIEW_CONSOLE,
    "admin.oncall_pages_repeat": C.MANAGE_ROSTERS,
    "admin.oncall_page_acknowledge": C.VIEW_CONSOLE,
    "admin.oncall_shifts_feed": C.VIEW_CONSOLE,
    "admin.oncall_shifts_feed_reset": C.VIEW_CONSOLE,
    # monitoring integrations (portal.signals)
    "admin.integrations": C.VIEW_CONSOLE,
    "admin.integration": C.VIEW_CONSOLE,
    "admin.new_integration": C.MANAGE_INTEGRATIONS,
    "admin.configure_integration": C.MANAGE_INTEGRATIONS,
    "admin.rotate_integration_credential": C.MANAGE_INTEGRATIONS,
    "admin.mute_integration": C.WORK_ESCALATIONS,
    "admin.detach_signal": C.WORK_ESCALATIONS,
    # drills (portal.drills)
    "admin.drills": C.VIEW_CONSOLE,
    "admin.drill": C.VIEW_CONSOLE,
    "admin.drill_scenario_new": C.RUN_DRILLS,
    "admin.drill_scenario_edit": C.RUN_DRILLS,
    "admin.drill_start": C.RUN_DRILLS,
    "admin.drill_end": C.RUN_DRILLS,
    "admin.drill_scenario_archive": C.RUN_DRILLS,
    "admin.drill_scenario_restore": C.RUN_DRILLS,
}

STAFF = sorted(STAFF_ROLES, key=lambda role: role.value)
CUSTOMERS = sorted(CUSTOMER_ROLES, key=lambda role: role.value)


def _values_for(world, as_staff) -> dict[str, int]:
    """A real row for every URL argument a console route takes."""
    from datetime import timedelta

    from portal.clock import now
    from portal.escalations.models import Handoff, Update, UpdateApproval
    from portal.escalations.operations.update_templates import create_update_template
    from portal.notices.models import Audience, ScheduledNotice, ScheduleStatus
    from portal.reports.models import ReviewAction

    with as_staff() as session:
        notice_id = session.scalar(select(Notice.id).where(Notice.channel == Channel.EMAIL)
                                   .order_by(Notice.id))
        agent = session.get(type(world.staff[Role.AGENT]), world.staff[Role.AGENT].id)
        update_id = session.scalar(select(Update.id).where(
            Update.escalation_id == world.escalation_a.id, Update.author_id == agent.id)
            .order_by(Update.id))
        approval = UpdateApproval(organization_id=world.org_a.id,
                                  escalation_id=world.escalation_a.id, author=agent,
                                  body="Waiting for a second pair of eyes.",
                                  next_update_by=now() + timedelta(hours=2), submitted_at=now())
        session.add(approval)
        template = create_update_template(actor=agent, name="Role walk template",
                                          body="Hello {customer_name}")
        session.flush()
        approval_id, template_id = approval.id, template.id
        handoff_id = session.scalar(select(Handoff.id).where(
            Handoff.escalation_id == world.escalation_a.id))
        # The account manager manages org_a: publishing there is theirs (can_publish_on).
        session.get(type(world.org_a), world.org_a.id).account_manager_id = \
            world.staff[Role.ACCOUNT_MANAGER].id
        action_id = session.scalar(select(ReviewAction.id).where(
            ReviewAction.organization_id == world.org_a.id))
        schedule = ScheduledNotice(
            escalation_id=world.escalation_a.id, organization_id=world.org_a.id,
            subject="Weekly check-in", body="Hello {customer_name}",
            audience=Audience.SUBSCRIBERS, first_send_at=now() + timedelta(hours=1),
            next_send_at=now() + timedelta(hours=1), status=ScheduleStatus.ACTIVE,
            created_by_id=agent.id)
        session.add(schedule)
        from portal.reports.models import RenderJob, RenderKind

        render_job = RenderJob(kind=RenderKind.SUMMARY, organization_id=world.org_a.id,
                               period="2026-Q3", title="Summary", content_key="role-walk")
        session.add(render_job)
        from datetime import date

        from portal.oncall.models import RosterOverride, Team, TeamMember

        team = Team(name="Role walk team", product_area="", timezone="Europe/Berlin",
                    starts_on=date(2026, 11, 2), members=[TeamMember(user_id=agent.id,
                                                                     position=0)])
        session.add(team)
        session.flush()
        override = RosterOverride(team_id=team.id, user_id=agent.id, starts_at=now(),
                                  ends_at=now() + timedelta(days=1), reason="Role walk",
                                  created_by_id=agent.id)
        session.add(override)
        from portal.oncall.pages import OncallPage

        page = OncallPage(organization_id=world.org_a.id, escalation_id=world.escalation_a.id,
                          team_id=team.id, user_id=agent.id, reason="breach",
                          clock="acknowledge", due_at=now(), next_page_at=now())
        session.add(page)
        from portal.notices import signing
        from portal.notices.models import WebhookEndpoint

        endpoint = WebhookEndpoint(organization_id=world.org_a.id, name="Role walk hook",
                                   url="https://93.184.215.14/walk", kind="generic",
                                   secret_sealed=signing.seal("whsec_role-walk"))
        session.add(endpoint)
        session.flush()
        schedule_id, job_id, endpoint_id = schedule.id, render_job.id, endpoint.id
        team_id, override_id, page_id = team.id, override.id, page.id
        from portal.oncall.triage_models import RoutingRule

        rule = RoutingRule(position=1, team_id=team.id)
        session.add(rule)
        session.flush()
        rule_id = rule.id
        from portal.api.tokens import issue_token

        token, _ = issue_token(actor=session.get(type(agent), world.staff[Role.ADMINISTRATOR].id),
                               name="Role walk token", scopes=["read"])
        session.flush()
        token_id = token.id
        integration_id, link_id = _signal_link(session, world)
        from tests.drills.walk import drill_for_the_walk

        scenario_id, drill_id = drill_for_the_walk(session, world)
    return {
        "scenario_id": scenario_id,
        "drill_id": drill_id,
        "integration_id": integration_id,
        "link_id": link_id,
        "team_id": team_id,
        "override_id": override_id,
        "rule_id": rule_id,
        "page_id": page_id,
        "token_id": token_id,
        "job_id": job_id,
        "schedule_id": schedule_id,
        "action_id": action_id,
        "version": 1,
        "update_id": update_id,
        "approval_id": approval_id,
        "template_id": template_id,
        "handoff_id": handoff_id,
        "kind": "steps",
        "item_id": world.customer_step_a.id,
        "target": "investigating",
        "answer": "decline",
        "escalation_id": world.escalation_a.id,
        "organization_id": world.org_a.id,
        "policy_id": world.org_a.sla_policy_id,
        "invitation_id": world.invitation_a.id,
        "user_id": world.customers_a[Role.VIEWER].id,
        "notice_id": notice_id,
        "endpoint_id": endpoint_id,
    }


def _signal_link(session, world) -> tuple[int, int]:
    """An integration whose signal opened an escalation (the link staff may detach)."""
    from portal.signals import operations
    from portal.signals.models import AuthMethod, IntegrationKind, SignalLink
    from portal.signals.payloads import Alert

    admin = session.get(type(world.staff[Role.ADMINISTRATOR]),
                        world.staff[Role.ADMINISTRATOR].id)
    integration, _ = operations.create_integration(
        name="Role walk monitoring", kind=IntegrationKind.GENERIC,
        auth_method=AuthMethod.TOKEN, actor=admin)
    operations.configure_integration(integration, rules_text="", default_severity=3,
                                     default_organization_id=world.org_a.id,
                                     default_product_area="", actor=admin)
    operations.receive(integration, [Alert(dedupe_key="walk", status="firing",
                                           title="Disk full")])
    session.flush()
    return integration.id, session.scalar(select(SignalLink.id))


def _console_rules(app):
    return sorted((rule for rule in app.url_map.iter_rules()
                   if rule.endpoint.startswith("admin.")), key=lambda rule: rule.rule)


def _requests(app, values):
    """(method, path, endpoint) for every console rule; unknown pieces fail loudly."""
    missing = sorted({rule.endpoint for rule in _console_rules(app)} - set(EXPECTED))
    if missing:
        pytest.fail(f"console routes missing from EXPECTED in {__file__}: {missing}",
                    pytrace=False)
    with app.test_request_context():
        from flask import url_for

        out = []
        for rule in _console_rules(app):
            unknown = sorted(set(rule.arguments) - set(values))
            if unknown:
                pytest.fail(f"{rule.endpoint}: no value for URL argument(s) {unknown}; "
                            "add them to _values_for", pytrace=False)
            path = url_for(rule.endpoint, **{arg: values[arg] for arg in rule.arguments})
            for method in sorted(rule.methods & {"GET", "POST"}):
                out.append((method, path, rule.endpoint))
    return out


def _fingerprint(app) -> dict:
    """Every row of every table: a disallowed POST must leave all of it as it was."""
    with app.app_context():
        from portal.tenancy import Scope, set_scope

        session = db.session()
        set_scope(session, Scope.unscoped("role walk: compare the whole database"))
        tables = {}
        for table in db.metadata.sorted_tables:
            query = sa.select(table)
            if table.name == "audit_events":  # an allowed download is audited, by design
                query = query.where(table.c.action.not_in(("report.downloaded",
                                                           "export.downloaded")))
            if table.name == "render_jobs":  # an allowed download may queue its PDF
                continue
            rows = session.execute(query).all()
            tables[table.name] = sorted(repr(tuple(row)) for row in rows)
        session.rollback()
    return tables


def test_every_table_entry_is_a_real_route(app):
    """A stale entry (a renamed or removed route) is as wrong as a missing one."""
    endpoints = {rule.endpoint for rule in _console_rules(app)}
    assert sorted(set(EXPECTED) - endpoints) == []


def test_anonymous_visitors_are_sent_to_sign_in(app, world, as_staff):
    client = app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    for method, path, endpoint in _requests(app, _values_for(world, as_staff)):
        answer = client.open(path, method=method,
                             data={"csrf_token": token} if method == "POST" else None)
        assert answer.status_code == 302, (endpoint, method, path, answer.status_code)
        assert "/login" in answer.location, (endpoint, method, path, answer.location)


@pytest.mark.parametrize("role", CUSTOMERS, ids=lambda role: role.value)
def test_customers_are_refused_everywhere(app, world, as_staff, role):
    client = app.test_client()
    AuthActions(client).login(world.customers_a[role].email)
    token = csrf_token_from(client.get("/escalations").get_data(as_text=True))
    requests = _requests(app, _values_for(world, as_staff))
    before = _fingerprint(app)
    for method, path, endpoint in requests:
        answer = client.open(path, method=method,
                             data={"csrf_token": token} if method == "POST" else None)
        assert answer.status_code == 403, (role, endpoint, method, path, answer.status_code)
    assert _fingerprint(app) == before


@pytest.mark.parametrize("role", STAFF, ids=lambda role: role.value)
def test_each_staff_role_gets_what_its_capabilities_allow(app, world, as_staff, role):
    user = world.staff[role]
    client = app.test_client()
    AuthActions(client).login(user.email)
    token = csrf_token_from(client.get("/admin/").get_data(as_text=True))
    requests = _requests(app, _values_for(world, as_staff))
    before = _fingerprint(app)
    checked = 0
    for method, path, endpoint in requests:
        allowed = can(user, EXPECTED[endpoint])
        if method == "GET":
            answer = client.get(path)
            answer.get_data()  # the whole body, as a browser reads it (a streamed export too)
            # A PDF not made yet answers 202: its progress page (portal.reports.preparing).
            expected = (200, 202) if allowed else (403,)
            assert answer.status_code in expected, (role, path, answer.status_code, expected)
            checked += 1
        elif not allowed:
            answer = client.post(path, data={"csrf_token": token})
            assert answer.status_code == 403, (role, path, answer.status_code)
            checked += 1
    assert checked
    assert _fingerprint(app) == before, "a refused request changed the database"
