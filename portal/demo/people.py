"""The demo's support plans, customer organizations and people: data tables, then builders.

Organizations and SLA policies have no operations yet, so they are the only rows written
directly; every person is created through `portal.accounts.operations`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from portal.accounts.models import Organization, SlaPolicy, SlaTarget, User
from portal.accounts.operations import create_customer_user, create_staff_user
from portal.clock import frozen_at
from portal.enums import Role, Segment
from portal.extensions import db

DEMO_PASSWORD = "clearpath-demo-2026"
STAFF_DOMAIN = "clearpath.example.com"
HOLIDAYS = ["2026-12-25", "2026-12-26", "2027-01-01"]


def _weekdays(opens: str, closes: str) -> dict[str, list[list[str]]]:
    return {str(day): [[opens, closes]] for day in range(5)}  # Monday … Friday


# name, description, business hours (None = 24×7), holidays,
# {severity: (acknowledge, customer-update cadence, resolve) in minutes}
POLICIES = [
    ("Premier 24×7", "Round-the-clock response for strategic accounts.", None, [],
     {1: (15, 60, 240), 2: (30, 120, 1440), 3: (240, 480, 4320), 4: (480, 1440, 10080)}),
    ("Business hours", "Mon–Fri 09:00–18:00 in the customer's timezone, public holidays off.",
     _weekdays("09:00", "18:00"), HOLIDAYS,
     {1: (60, 120, 960), 2: (120, 240, 2700), 3: (480, 1080, 5400), 4: (1080, 2700, 10800)}),
    ("Standard", "Mon–Fri 09:00–17:00 in the customer's timezone, public holidays off.",
     _weekdays("09:00", "17:00"), HOLIDAYS,
     {1: (120, 240, 1920), 2: (240, 480, 4800), 3: (480, 1440, 9600), 4: (960, 2880, 14400)}),
]

# key, name, email local part, role, job title, timezone, years with the company
STAFF = [
    ("oliver", "Oliver Grant", "oliver.grant", Role.ADMINISTRATOR,
     "Support Operations Administrator", "Europe/London", 4),
    ("rebecca", "Rebecca Hayes", "rebecca.hayes", Role.ESCALATION_MANAGER,
     "Director, Escalation Management", "Europe/London", 3),
    ("marcus", "Marcus Bell", "marcus.bell", Role.ACCOUNT_MANAGER,
     "Strategic Account Manager", "Europe/Berlin", 3),
    ("elena", "Elena Petrova", "elena.petrova", Role.ACCOUNT_MANAGER,
     "Enterprise Account Manager", "America/New_York", 2),
    ("grace", "Grace Liu", "grace.liu", Role.ACCOUNT_MANAGER,
     "Account Manager, APAC", "Australia/Sydney", 1),
    ("sam", "Sam Whitfield", "sam.whitfield", Role.AGENT,
     "Support Engineer (L1)", "Europe/London", 1),
    ("lucia", "Lucía Romero", "lucia.romero", Role.AGENT,
     "Support Engineer (L1)", "America/New_York", 1),
    ("tomasz", "Tomasz Nowak", "tomasz.nowak", Role.AGENT,
     "Support Engineer II (L2)", "Europe/Warsaw", 2),
    ("priya", "Priya Raman", "priya.raman", Role.AGENT,
     "Senior Support Engineer (L2)", "Europe/London", 3),
    ("kenji", "Kenji Watanabe", "kenji.watanabe", Role.AGENT,
     "Staff Engineer, Escalations (L3)", "Asia/Tokyo", 4),
    ("amara", "Amara Nwosu", "amara.nwosu", Role.AGENT,
     "Principal Support Engineer (L3)", "America/New_York", 4),
]

# Who works each tier; the escalation manager joins at Management.
TIER_STAFF = {"L1": ("sam", "lucia"), "L2": ("tomasz", "priya"), "L3": ("kenji", "amara")}

# key, name, slug, segment, annual revenue (USD), timezone, plan, account manager,
# email domain, customer since (years), people: (email local part, name, role, job title)
ORGANIZATIONS = [
    ("northwind", "Northwind Freight", "northwind-freight", Segment.STRATEGIC, 480_000_000,
     "Europe/Berlin", "Premier 24×7", "marcus", "northwind.example.com", 3, [
         ("lea.brandt", "Lea Brandt", Role.CUSTOMER_ADMIN, "Platform Administrator"),
         ("henrik.vogel", "Henrik Vogel", Role.EXECUTIVE, "Chief Information Officer"),
         ("dana.okafor", "Dana Okafor", Role.VIEWER, "IT Service Manager"),
     ]),
    ("contoso", "Contoso Health", "contoso-health", Segment.ENTERPRISE, 95_000_000,
     "America/New_York", "Business hours", "elena", "contoso.example.com", 2, [
         ("rachel.goldberg", "Rachel Goldberg", Role.CUSTOMER_ADMIN, "IT Administrator"),
         ("david.chen", "David Chen", Role.EXECUTIVE, "Chief Technology Officer"),
         ("marisol.ortega", "Marisol Ortega", Role.VIEWER, "Clinical Systems Analyst"),
     ]),
    ("fabrikam", "Fabrikam Studios", "fabrikam-studios", Segment.GROWTH, 12_000_000,
     "Australia/Sydney", "Standard", "grace", "fabrikam.example.com", 1, [
         ("arjun.mehta", "Arjun Mehta", Role.CUSTOMER_ADMIN, "Head of IT"),
         ("zoe.mitchell", "Zoe Mitchell", Role.EXECUTIVE, "Chief Operating Officer"),
         ("liam.oconnor", "Liam O'Connor", Role.VIEWER, "Production Operations Lead"),
     ]),
]

DEMO_ORGANIZATION_SLUGS = [org[2] for org in ORGANIZATIONS]

DEMO_LOGINS: list[tuple[str, str, str]] = [
    (f"{local}@{STAFF_DOMAIN}", role.label, "Staff")
    for _key, _name, local, role, *_rest in STAFF
] + [
    (f"{local}@{domain}", role.label, name)
    for _key, name, _slug, _seg, _rev, _tz, _plan, _am, domain, _since, people in ORGANIZATIONS
    for local, _person, role, _title in people
]


@dataclass
class Cast:
    """Everyone the escalation stories need, by key."""

    staff: dict[str, User] = field(default_factory=dict)
    orgs: dict[str, Organization] = field(default_factory=dict)
    customers: dict[str, dict[Role, User]] = field(default_factory=dict)

    def account_manager(self, org_key: str) -> User:
        return self.orgs[org_key].account_manager


def _years_ago(start: datetime, years: float) -> datetime:
    return start - timedelta(days=round(365 * years))


def get_or_create_policy(name, description, business_hours, holidays, targets) -> SlaPolicy:
    """Reuse a plan of that name (a reset keeps plans other customers still use)."""
    policy = db.session.query(SlaPolicy).filter_by(name=name).one_or_none()
    if policy is not None:
        return policy
    policy = SlaPolicy(name=name, description=description, business_hours=business_hours,
                       holidays=list(holidays))
    for severity, (ack, update, resolve) in targets.items():
        policy.targets.append(SlaTarget(severity=severity, acknowledge_minutes=ack,
                                        update_minutes=update, resolve_minutes=resolve))
    db.session.add(policy)
    return policy


def build_people(start: datetime) -> Cast:
    """Plans, organizations and every person, created back when they joined."""
    cast = Cast()
    policies = {row[0]: get_or_create_policy(*row) for row in POLICIES}
    db.session.flush()
    for key, name, local, role, title, timezone, years in STAFF:
        with frozen_at(_years_ago(start, years)):
            cast.staff[key] = create_staff_user(
                email=f"{local}@{STAFF_DOMAIN}", name=name, password=DEMO_PASSWORD, role=role,
                actor=None, job_title=title, timezone=timezone)
            db.session.flush()  # the audit event takes the frozen time at flush
    admin = cast.staff["oliver"]
    for (key, name, slug, segment, revenue, timezone, plan, manager, domain, since,
         people) in ORGANIZATIONS:
        joined = _years_ago(start, since)
        org = Organization(name=name, slug=slug, segment=segment, annual_revenue=revenue,
                           timezone=timezone, sla_policy=policies[plan],
                           account_manager=cast.staff[manager], created_at=joined)
        db.session.add(org)
        db.session.flush()
        cast.orgs[key] = org
        cast.customers[key] = {}
        inviter = admin  # the vendor sets up the customer admin, who invites colleagues
        for offset, (person_local, person, role, title) in enumerate(people):
            with frozen_at(joined + timedelta(days=2 + 30 * offset, hours=3)):
                user = create_customer_user(
                    org, email=f"{person_local}@{domain}", name=person,
                    password=DEMO_PASSWORD, role=role, actor=inviter, job_title=title)
                db.session.flush()
            cast.customers[key][role] = user
            if role == Role.CUSTOMER_ADMIN:
                inviter = user
    return cast


def demo_emails() -> list[str]:
    return [email for email, _role, _org in DEMO_LOGINS]

