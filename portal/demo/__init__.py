"""The believable demo world behind `flask --app wsgi demo`.

Three customer organizations on three support plans, every role, and about forty escalations
in every status, built through the same operations the product uses and backdated with
`portal.clock.frozen_at`, so timelines, SLA clocks and the audit log read like real history
relative to the moment of seeding. The random choices come from `random.Random(2026)`, so the
world is the same on every run.

    people.py    plans, organizations, people, DEMO_PASSWORD and DEMO_LOGINS
    catalog.py   product-area kits and the escalation scenarios
    timeline.py  plays one scenario through the operations
"""

from __future__ import annotations

import random

from sqlalchemy import and_, delete, func, or_, select, update

from portal.accounts.models import Organization, SlaPolicy, SlaTarget, User
from portal.analytics.demo import seed_demo_analytics
from portal.audit import AuditEvent
from portal.clock import now
from portal.demo.catalog import SCENARIOS
from portal.demo.people import (
    DEMO_LOGINS,
    DEMO_ORGANIZATION_SLUGS,
    DEMO_PASSWORD,
    POLICIES,
    build_people,
    demo_emails,
)
from portal.demo.timeline import Story
from portal.drills.demo import seed_demo_drills
from portal.enums import Visibility
from portal.escalations.due import refresh_due_instants
from portal.escalations.models import Escalation, Update
from portal.escalations.operations.update_templates import seed_update_templates
from portal.escalations.queries import open_escalations
from portal.extensions import db
from portal.notices.models import Notice, NoticeStatus
from portal.oncall.demo import DEMO_TEAMS, seed_demo_oncall
from portal.oncall.models import Team
from portal.reports.demo import seed_demo_reviews

__all__ = ["DEMO_LOGINS", "DEMO_PASSWORD", "seed_demo"]

SEED = 2026


def seed_demo(*, reset: bool = False) -> str:
    """Build the demo world in the current session (unscoped) and say what was made.

    Without `reset`, an existing demo world is left alone. With it, the old one is deleted
    first. The caller commits (the CLI commits once).
    """
    existing = _demo_organization_ids()
    if existing and not reset:
        return ("The demo is already seeded (found its organizations); nothing changed. "
                "Run `flask --app wsgi demo --reset` to rebuild it.")
    if reset:
        _delete_demo_world()
    rng = random.Random(SEED)
    start = now()
    before = db.session.scalar(select(func.max(Notice.id))) or 0
    cast = build_people(start)
    for scenario in sorted(SCENARIOS, key=lambda s: -s.opened):  # oldest gets the lowest ESC-
        Story(scenario, cast, rng, start).play()
    db.session.flush()
    for escalation in db.session.scalars(open_escalations()):
        refresh_due_instants(escalation, at=start)  # the stories ran on their own clocks
    seed_demo_reviews()
    seed_demo_analytics(list(cast.orgs.values()), recorder=cast.staff["rebecca"], start=start)
    _mark_history_delivered(after_id=before)
    seed_update_templates()
    seed_demo_oncall(cast.staff, start)
    seed_demo_drills(cast.orgs["northwind"])
    return _summary([org.id for org in cast.orgs.values()])


def _mark_history_delivered(*, after_id: int) -> None:
    """The seeded past already happened: its notices went out then, not now."""
    db.session.execute(
        update(Notice).where(Notice.id > after_id)
        .values(status=NoticeStatus.SENT, sent_at=Notice.created_at)
    )


def _demo_organization_ids() -> list[int]:
    return list(db.session.scalars(
        select(Organization.id).where(Organization.slug.in_(DEMO_ORGANIZATION_SLUGS))))


def _summary(org_ids: list[int]) -> str:
    def count(model, *criteria) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(*criteria))

    in_demo = Update.organization_id.in_(org_ids)
    updates = count(Update, in_demo)
    internal = count(Update, in_demo, Update.visibility == Visibility.INTERNAL)
    return (
        f"Demo seeded: {len(org_ids)} organizations, {len(DEMO_LOGINS)} users, "
        f"{count(Escalation, Escalation.organization_id.in_(org_ids))} escalations, "
        f"{updates} timeline updates ({internal} internal). "
        f"Sign in as any demo user with the password {DEMO_PASSWORD!r}."
    )


def _delete_demo_world() -> None:
    """Remove everything that belongs to a demo organization or was done by a demo person.

    Tables are emptied children first (the metadata's dependency order), so tables added
    later with an `organization_id` or a user reference are covered without changes here.
    Core `delete()` statements bypass ORM events: that is how the append-only audit rows of
    the demo go — acceptable for the demo reset only.
    """
    session = db.session
    org_ids = _demo_organization_ids()
    user_ids = list(session.scalars(select(User.id).where(or_(
        User.email.in_(demo_emails()), User.organization_id.in_(org_ids)))))
    keep = {"users", "organizations", "sla_policies", "sla_targets"}
    audit = AuditEvent.__table__
    for table in reversed(db.metadata.sorted_tables):
        if table.name in keep:
            continue
        conditions = []
        if "organization_id" in table.c:
            conditions.append(table.c.organization_id.in_(org_ids))
        conditions += [fk.parent.in_(user_ids) for fk in table.foreign_keys
                       if fk.column.table.name == "users"]
        if table is audit:
            conditions.append(and_(audit.c.object_type == "User",
                                   audit.c.object_id.in_(user_ids)))
            conditions.append(and_(audit.c.object_type == "Organization",
                                   audit.c.object_id.in_(org_ids)))
        if conditions:
            session.execute(delete(table).where(or_(*conditions)))
    session.execute(update(Organization).where(Organization.account_manager_id.in_(user_ids))
                    .values(account_manager_id=None))
    session.execute(delete(Team).where(Team.name.in_(DEMO_TEAMS)))
    session.execute(delete(User).where(User.id.in_(user_ids)))
    session.execute(delete(Organization).where(Organization.id.in_(org_ids)))
    names = [policy[0] for policy in POLICIES]
    unused = select(SlaPolicy.id).where(
        SlaPolicy.name.in_(names),
        ~SlaPolicy.id.in_(select(Organization.sla_policy_id).scalar_subquery()))
    unused_ids = list(session.scalars(unused))
    session.execute(delete(SlaTarget).where(SlaTarget.policy_id.in_(unused_ids)))
    session.execute(delete(SlaPolicy).where(SlaPolicy.id.in_(unused_ids)))
    session.expunge_all()  # nothing loaded before the reset may be flushed or reused
