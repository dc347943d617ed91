"""Factories that build rows through the real operations, as the product would."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import timedelta

from portal.accounts.models import Invitation, Organization, SlaPolicy, SlaTarget, User
from portal.accounts.operations import create_customer_user, create_staff_user
from portal.clock import now
from portal.enums import Party, Role, Segment, Trigger, Visibility
from portal.escalations import operations as ops
from portal.escalations.models import Escalation, RemediationStep
from portal.extensions import db

PASSWORD = "correct horse battery staple"
CANARY = "CANARY-internal-7f3a9c"
_sequence = itertools.count(1)


def make_policy(name: str | None = None, business_hours: dict | None = None) -> SlaPolicy:
    policy = SlaPolicy(name=name or f"Plan {next(_sequence)}", business_hours=business_hours,
                       holidays=[])
    for severity, (ack, upd, res) in {1: (15, 60, 240), 2: (60, 240, 1440),
                                      3: (240, 1440, 4320), 4: (1440, 4320, 14400)}.items():
        policy.targets.append(SlaTarget(severity=severity, acknowledge_minutes=ack,
                                        update_minutes=upd, resolve_minutes=res))
    db.session.add(policy)
    db.session.flush()
    return policy


def make_organization(name: str | None = None, *, policy: SlaPolicy | None = None,
                      segment: Segment = Segment.ENTERPRISE, timezone: str = "UTC",
                      annual_revenue: int = 10_000_000) -> Organization:
    n = next(_sequence)
    org = Organization(name=name or f"Customer {n}", slug=f"customer-{n}", segment=segment,
                       timezone=timezone, annual_revenue=annual_revenue,
                       sla_policy=policy or make_policy())
    db.session.add(org)
    db.session.flush()
    return org


def make_staff(role: Role = Role.AGENT, *, name: str | None = None) -> User:
    n = next(_sequence)
    return create_staff_user(email=f"staff{n}@vendor.example.com", name=name or f"Staff Person {n}",
                             password=PASSWORD, role=role, actor=None)


def make_customer(org: Organization, role: Role = Role.VIEWER, *,
                  name: str | None = None) -> User:
    n = next(_sequence)
    return create_customer_user(org, email=f"user{n}@{org.slug}.example.com",
                                name=name or f"Customer Person {n}", password=PASSWORD,
                                role=role, actor=None)


def handoff_template(**overrides) -> ops.HandoffTemplate:
    values = dict(summary="Checkout fails for EU users", customer_impact="No orders in EU",
                  steps_taken="Restarted workers: no change", environment="prod-eu",
                  reason=Trigger.SEVERITY)
    values.update(overrides)
    return ops.HandoffTemplate(**values)


def make_escalation(org: Organization, *, actor: User, owner: User | None = None,
                    severity: int = 2, title: str | None = None, **kwargs) -> Escalation:
    return ops.open_escalation(org, actor=actor, title=title or f"Escalation {next(_sequence)}",
                               severity=severity, trigger=Trigger.SEVERITY,
                               handoff=handoff_template(), owner=owner or actor, **kwargs)


@dataclass
class World:
    org_a: Organization
    org_b: Organization
    staff: dict[Role, User]
    customers_a: dict[Role, User]
    customers_b: dict[Role, User]
    escalation_a: Escalation
    escalation_b: Escalation
    customer_step_a: RemediationStep
    customer_step_b: RemediationStep
    invitation_a: Invitation
    invitation_b: Invitation
    extra: dict = field(default_factory=dict)

    def objects(self):
        yield from (self.org_a, self.org_b, self.escalation_a, self.escalation_b,
                    self.customer_step_a, self.customer_step_b, self.invitation_a,
                    self.invitation_b)
        yield from self.staff.values()
        yield from self.customers_a.values()
        yield from self.customers_b.values()


def build_world() -> World:
    """Two organizations, every role, and an escalation each with customer and internal rows."""
    staff = {role: make_staff(role) for role in (Role.AGENT, Role.ACCOUNT_MANAGER,
                                                 Role.ESCALATION_MANAGER, Role.ADMINISTRATOR)}
    org_a = make_organization("Acme Logistics", segment=Segment.STRATEGIC,
                              timezone="Europe/Berlin")
    org_b = make_organization("Globex Retail", segment=Segment.GROWTH,
                              timezone="America/New_York")
    customers_a = {role: make_customer(org_a, role) for role in
                   (Role.VIEWER, Role.EXECUTIVE, Role.CUSTOMER_ADMIN)}
    customers_b = {role: make_customer(org_b, role) for role in
                   (Role.VIEWER, Role.EXECUTIVE, Role.CUSTOMER_ADMIN)}
    agent = staff[Role.AGENT]
    escalations, customer_steps = [], []
    for org in (org_a, org_b):
        escalation = make_escalation(org, actor=agent, title=f"{org.name} checkout outage",
                                     communicator=staff[Role.ACCOUNT_MANAGER])
        ops.post_update(escalation, author=agent, visibility=Visibility.CUSTOMER,
                        body=f"We are investigating the {org.name} outage.",
                        next_update_by=now() + timedelta(hours=2))
        ops.post_update(escalation, author=agent, visibility=Visibility.INTERNAL,
                        body=f"{CANARY} db-07.internal at 10.0.3.7 is the suspect")
        ops.add_milestone(escalation, actor=agent, title="Root cause confirmed",
                          due_at=now() + timedelta(hours=6))
        ops.add_milestone(escalation, actor=agent, title=f"{CANARY} internal milestone",
                          due_at=now() + timedelta(hours=3), visibility=Visibility.INTERNAL)
        customer_step = ops.add_remediation_step(
            escalation, actor=agent, title="Apply patch 4.2.1 on your side",
            owner_party=Party.CUSTOMER)
        ops.add_remediation_step(escalation, actor=agent, title=f"{CANARY} internal step",
                                 visibility=Visibility.INTERNAL)
        ops.add_exit_criterion(escalation, actor=agent, description="Error rate below 0.1 %")
        ops.add_exit_criterion(escalation, actor=agent, description=f"{CANARY} internal exit",
                               visibility=Visibility.INTERNAL)
        escalations.append(escalation)
        customer_steps.append(customer_step)
    invitations = [
        Invitation(organization_id=org.id, email=f"newcomer@{org.slug}.example.com",
                   name="New Colleague", role=Role.VIEWER,
                   invited_by_id=customers[Role.CUSTOMER_ADMIN].id,
                   expires_at=now() + timedelta(days=7))
        for org, customers in ((org_a, customers_a), (org_b, customers_b))
    ]
    db.session.add_all(invitations)
    db.session.flush()
    return World(org_a=org_a, org_b=org_b, staff=staff, customers_a=customers_a,
                 customers_b=customers_b, escalation_a=escalations[0],
                 escalation_b=escalations[1], customer_step_a=customer_steps[0],
                 customer_step_b=customer_steps[1], invitation_a=invitations[0],
                 invitation_b=invitations[1])


def detach_account_manager(session, world) -> None:
    """Make the world's account manager a stranger to escalation A: not its communicator and
    not its organization's manager (the world makes them the communicator of both)."""
    from portal.escalations.models import Escalation

    escalation = session.get(Escalation, world.escalation_a.id)
    escalation.communicator_id = None
    escalation.organization.account_manager_id = None

