"""The demo world in a browser, and the map of every page each of its people can open.

Layout faults show with real content (long names, email addresses, a full timeline), so the
page-width and phone-layout tests seed the demo (`flask demo`) rather than the small test
world. The page map is the role walk's: its EXPECTED table says which console pages a role
may open, and its `_values_for` makes a real row for every URL argument.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta
from types import SimpleNamespace

from flask import Flask, url_for
from flask_migrate import upgrade
from jinja2 import StrictUndefined
from sqlalchemy import func, select

from portal import create_app
from portal.accounts.models import Invitation, User
from portal.clock import now
from portal.config import TestConfig, settings_of
from portal.demo import DEMO_LOGINS, DEMO_PASSWORD, seed_demo
from portal.enums import Role
from portal.escalations.models import Escalation, RemediationStep, Update
from portal.extensions import db
from portal.permissions import can
from portal.reports.models import Review, ReviewVersion
from portal.tenancy import Scope, set_scope
from tests.admin.test_role_walk import EXPECTED, _values_for

#: One person per role, in the order the walk visits them.
ROLES = [
    Role.ADMINISTRATOR,
    Role.ESCALATION_MANAGER,
    Role.ACCOUNT_MANAGER,
    Role.AGENT,
    Role.CUSTOMER_ADMIN,
    Role.EXECUTIVE,
    Role.VIEWER,
]
#: Downloads and raw documents are not pages; session-changing pages are walked elsewhere.
NOT_PAGES = {
    "admin.sent_mail_html",
    "admin.preview_start",
    "auth.logout",
    "auth.sso_callback",
    "auth.login",
    "auth.two_factor_code",
    "auth.two_factor_enrol",
    "auth.accept_invitation",
    "auth.reset_password",
    "notices.opt_out_page",
    "notices.unsubscribe",
    "oncall_ack.acknowledge",
    "customer.index",
}


def demo_app(path, **settings) -> Flask:
    """A migrated app on its own SQLite file at `path`, with the demo world seeded (and any
    other `settings`)."""
    app = create_app(settings_of(TestConfig, DATABASE_URL=f"sqlite:///{path}", **settings))
    app.jinja_env.undefined = StrictUndefined
    with app.app_context():
        upgrade()
        session = db.session()
        set_scope(session, Scope.unscoped("browser test setup: the demo world"))
        seed_demo()
        session.commit()
    return app


def demo_login(role: Role) -> str:
    """The demo's first person with `role` (their email)."""
    label = role.value.replace("_", " ").capitalize()
    return next(email for email, shown, _ in DEMO_LOGINS if shown == label)


@contextmanager
def _unscoped(app: Flask):
    with app.app_context():
        session = db.session()
        set_scope(session, Scope.unscoped("browser test: the page map"))
        session.expire_on_commit = False  # the rows are read after the context ends
        yield session
        session.commit()


def _world_for_the_role_walk(app: Flask) -> SimpleNamespace:
    """The demo's rows under the names the role walk's `_values_for` reads."""
    with _unscoped(app) as session:
        reviewed = session.scalar(
            select(Escalation)
            .join(Review, Review.escalation_id == Escalation.id)
            .join(ReviewVersion, ReviewVersion.review_id == Review.id)
            .order_by(Escalation.id)
        )
        author = session.scalar(
            select(User)
            .join(Update, Update.author_id == User.id)
            .where(Update.escalation_id == reviewed.id, User.role == Role.AGENT)
            .order_by(Update.id)
        )
        step = session.scalar(
            select(RemediationStep)
            .where(RemediationStep.escalation_id == reviewed.id)
            .order_by(RemediationStep.id)
        )
        viewer = session.scalar(
            select(User).where(
                User.organization_id == reviewed.organization_id, User.role == Role.VIEWER
            )
        )
        admin = session.scalar(
            select(User).where(
                User.organization_id == reviewed.organization_id, User.role == Role.CUSTOMER_ADMIN
            )
        )
        invitation = Invitation(
            organization_id=reviewed.organization_id,
            email="new.colleague.with.a.long.name@northwind.example.com",
            name="New Colleague",
            role=Role.VIEWER,
            invited_by_id=admin.id,
            expires_at=now() + timedelta(days=7),
        )
        session.add(invitation)
        session.flush()
        return SimpleNamespace(
            staff={
                Role.AGENT: author,
                Role.ACCOUNT_MANAGER: session.scalar(
                    select(User).where(User.email == demo_login(Role.ACCOUNT_MANAGER))
                ),
                Role.ADMINISTRATOR: session.scalar(
                    select(User).where(User.email == demo_login(Role.ADMINISTRATOR))
                ),
            },
            org_a=reviewed.organization,
            escalation_a=reviewed,
            customer_step_a=step,
            invitation_a=invitation,
            customers_a={Role.VIEWER: viewer},
        )


#: Blueprints that answer machines (JSON, feeds), not people: no page to measure.
MACHINE_BLUEPRINTS = {"api", "api-docs", "feeds", "signals"}


def page_map(app: Flask) -> dict[Role, list[str]]:
    """Every HTML page (path) each role's demo person may open, console and portal."""
    world = _world_for_the_role_walk(app)
    values = _values_for(world, lambda: _unscoped(app))
    with _unscoped(app) as session:
        people = {
            role: session.scalar(select(User).where(User.email == demo_login(role)))
            for role in ROLES
        }
        reference = world.escalation_a.reference
        open_reference = Escalation.reference_of(
            session.scalar(
                select(Escalation.id)
                .where(
                    Escalation.resolved_at.is_(None), Escalation.organization_id == world.org_a.id
                )
                .order_by(func.length(Escalation.title).desc())
            )
        )
        version = session.scalar(
            select(func.max(ReviewVersion.number))
            .join(Review, Review.id == ReviewVersion.review_id)
            .where(Review.escalation_id == world.escalation_a.id)
        )
        values.update(reference=reference, version=version)
    pages: dict[Role, list[str]] = {}
    with app.test_request_context():
        for role, person in people.items():
            paths = []
            for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
                endpoint = rule.endpoint
                if (
                    "GET" not in rule.methods
                    or endpoint == "static"
                    or endpoint in NOT_PAGES
                    or endpoint.split(".")[0] in MACHINE_BLUEPRINTS
                    or rule.rule.endswith((".csv", ".pdf"))
                ):
                    continue
                if endpoint.startswith("admin."):
                    if not person.is_staff or not can(person, EXPECTED[endpoint]):
                        continue
                elif endpoint.startswith("customer.") and person.is_staff:
                    continue
                args = {name: values[name] for name in rule.arguments}
                paths.append(url_for(endpoint, **args))
                if endpoint == "customer.escalation":  # an open one too: the live page
                    paths.append(url_for(endpoint, reference=open_reference))
            pages[role] = paths
    return pages


def sign_in_as(page, role: Role) -> None:
    """Sign in through the form as the demo person with `role`."""
    page.goto("/login")
    page.get_by_label("Email").fill(demo_login(role))
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


__all__ = ["DEMO_PASSWORD", "ROLES", "demo_app", "demo_login", "page_map", "sign_in_as"]
