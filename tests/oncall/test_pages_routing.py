"""Who hears about an escalation: the person on call for the team answering for it — the team
triage gave it to, else the first routing rule it matches, else the team covering its product
area, else the team for every other area; with no such team, nobody is paged (the owner's own
SLA email still goes)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from portal.extensions import db
from portal.oncall.responsibility import Responsibility
from portal.oncall.triage_models import RoutingRule, TriageAssignment
from tests import factories
from tests.oncall.paging import london_team, open_sev1, page_emails, sweep

OPENED = datetime(2026, 11, 24, 10, tzinfo=UTC)


def team_of(escalation):
    return Responsibility.load([escalation.id]).team_of(escalation)


def test_the_product_areas_team_is_paged_else_the_catch_all(staff_session):
    ann, ben = factories.make_staff(name="Ann"), factories.make_staff(name="Ben")
    everything = london_team([ann], starts_on=date(2026, 11, 2))
    mobile = london_team([ben], starts_on=date(2026, 11, 2), name="Mobile", area="Mobile app")
    org, owner = factories.make_organization(), factories.make_staff()
    app_issue = open_sev1(org, owner, OPENED, product_area="mobile APP")
    api_issue = open_sev1(org, owner, OPENED, product_area="Public API")
    assert team_of(app_issue) == mobile and team_of(api_issue) == everything
    sweep(OPENED + timedelta(minutes=15))
    assert [who for _, who in page_emails(app_issue.id)] == [ben.email]
    assert [who for _, who in page_emails(api_issue.id)] == [ann.email]


def test_without_a_covering_team_nobody_is_paged(staff_session):
    ben = factories.make_staff(name="Ben")
    london_team([ben], starts_on=date(2026, 11, 2), name="Mobile", area="Mobile app")
    org, owner = factories.make_organization(), factories.make_staff()
    api_issue = open_sev1(org, owner, OPENED, product_area="Public API")
    assert team_of(api_issue) is None
    assert sweep(OPENED + timedelta(minutes=15))["pages"] == 0
    assert page_emails(api_issue.id) == []


def test_a_routing_rule_beats_the_product_area_and_triage_beats_both(staff_session):
    """A rule sending Sev 1s to Mobile pages Mobile's person for a Public API Sev 1; an
    escalation triage gave to the catch-all team stays with it whatever the rules say now."""
    ann, ben = factories.make_staff(name="Ann"), factories.make_staff(name="Ben")
    everything = london_team([ann], starts_on=date(2026, 11, 2))
    mobile = london_team([ben], starts_on=date(2026, 11, 2), name="Mobile", area="Mobile app")
    db.session.add(RoutingRule(position=1, team_id=mobile.id, max_severity=1))
    org, owner = factories.make_organization(), factories.make_staff()
    api_issue = open_sev1(org, owner, OPENED, product_area="Public API")
    routed = open_sev1(org, owner, OPENED, product_area="Public API")
    db.session.add(TriageAssignment(organization_id=org.id, escalation_id=routed.id,
                                    team_id=everything.id, rule_number=2, routed_at=OPENED))
    db.session.flush()
    assert team_of(api_issue) == mobile and team_of(routed) == everything
    sweep(OPENED + timedelta(minutes=15))
    assert [who for _, who in page_emails(api_issue.id)] == [ben.email]
    assert [who for _, who in page_emails(routed.id)] == [ann.email]
