"""One page of the customer dashboard in one statement, read as plain columns.

Each row brings its escalation's fields, owner and communicator, newest vendor update (with its
author), next milestone, status history and the SLA terms of its organization's plan for its
severity. The statement is built once per `Shape` (which sort, which filters are set; their
values are parameters): building it cost more than running it.

Everything read is customer-visible (DESIGN.md invariant 2): updates and milestones through
`customer_visible()`, and every table through the session's tenancy criteria
(portal.isolation), which apply in the subqueries and joins as anywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import FunctionElement

from portal.accounts.models import Organization, SlaPolicy, SlaTarget, User
from portal.enums import OPEN_STATUSES, Status, Tier
from portal.escalations import listing, sla
from portal.escalations.models import Escalation, Milestone, StatusChange, Update
from portal.escalations.promises import counting_update
from portal.escalations.queries import customer_visible
from portal.extensions import db


class Person(NamedTuple):
    """An owner or communicator as a row's people card shows them."""
    name: str
    email: str
    phone: str | None


class DashboardEscalation(NamedTuple):
    """What a dashboard row shows of its escalation (no ORM entity: building 25 entities and
    their people cost more than the SQL that read them; a named tuple, built straight from the
    row's columns)."""
    id: int
    title: str
    severity: int
    status: Status
    tier: Tier
    product_area: str | None
    opened_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    customer_changed_at: datetime
    owner: Person | None
    communicator: Person | None

    @property
    def reference(self) -> str:
        return Escalation.reference_of(self.id)


class PageRow(NamedTuple):
    escalation: DashboardEscalation
    update_body: str | None
    update_at: datetime | None
    next_update_by: datetime | None
    update_author: str | None
    milestone_title: str | None
    milestone_due_at: datetime | None
    history: list[sla.StatusChange]
    #: The plan: the organization's timezone, business hours and holidays (as JSON text),
    #: then the targets (acknowledge, update, resolve minutes) of the row's severity (None:
    #: the plan has none).
    calendar_terms: tuple[str, str | None, str | None]
    target_minutes: tuple[int | None, int | None, int | None]


ORDER = {
    "severity": (Escalation.severity, Escalation.priority_score.desc(), Escalation.opened_at),
    "newest": (Escalation.opened_at.desc(),),
    "oldest": (Escalation.opened_at,),
    "updated": (Escalation.customer_changed_at.desc(),),
    # The stored due instant (portal.escalations.due; none while the clock is paused) is the
    # clock's own; most severe first among equals.
    "next_update": (Escalation.next_update_due_at.asc().nulls_last(), Escalation.severity,
                    Escalation.priority_score.desc(), Escalation.opened_at),
}


@dataclass(frozen=True)
class Shape:
    """Which sort, and which filters a query sets (their values are parameters)."""
    sort: str
    severity: bool = False
    status: bool = False
    area: bool = False
    search: bool = False
    reference: bool = False


def read(shape: Shape, params: dict) -> list[PageRow]:
    """The page: `params` holds organization_id, limit, offset and the set filters' values
    (severity, status, area, pattern, reference)."""
    rows = []
    for (id_, title, severity, status, tier, product_area, opened_at, acknowledged_at,
         resolved_at, customer_changed_at, owner_name, owner_email, owner_phone,
         communicator_name, communicator_email, communicator_phone, update_body, update_at,
         next_update_by, author, milestone_title, milestone_due_at, history, timezone,
         business_hours, holidays, acknowledge_minutes, update_minutes,
         resolve_minutes) in db.session.execute(_statement(shape), params):
        escalation = DashboardEscalation(
            id_, title, severity, status, tier, product_area, opened_at, acknowledged_at,
            resolved_at, customer_changed_at,
            Person(owner_name, owner_email, owner_phone) if owner_name is not None else None,
            (Person(communicator_name, communicator_email, communicator_phone)
             if communicator_name is not None else None))
        rows.append(PageRow(
            escalation, update_body, update_at, next_update_by, author, milestone_title,
            milestone_due_at, _history(history), (timezone, business_hours, holidays),
            (acknowledge_minutes, update_minutes, resolve_minutes)))
    return rows


_ROW_COLUMNS = (
    Escalation.id, Escalation.title, Escalation.severity, Escalation.status, Escalation.tier,
    Escalation.product_area, Escalation.opened_at, Escalation.acknowledged_at,
    Escalation.resolved_at, Escalation.customer_changed_at,
)
_OWNER = aliased(User, name="owner")
_COMMUNICATOR = aliased(User, name="communicator")
_AUTHOR = aliased(User, name="author")


#: The open statuses as SQL literals (constants): an expanding parameter would make SQLAlchemy
#: rewrite the statement's text on every execution.
_OPEN_STATUSES = [sa.literal_column(f"'{status.value}'") for status in OPEN_STATUSES]


def _criteria(shape: Shape) -> list:
    """`DashboardQuery.criteria` for this organization's open escalations, values as
    parameters."""
    criteria = [Escalation.organization_id == sa.bindparam("organization_id"),
                Escalation.status.in_(_OPEN_STATUSES)]
    if shape.severity:
        criteria.append(Escalation.severity == sa.bindparam("severity"))
    if shape.status:
        criteria.append(Escalation.status == sa.bindparam("status"))
    if shape.area:
        criteria.append(Escalation.product_area == sa.bindparam("area"))
    if shape.search:
        criteria.append(listing.search_criterion_of(
            sa.bindparam("pattern"),
            sa.bindparam("reference") if shape.reference else None))
    return criteria


def _newest_vendor_update_id():
    """The newest update that counts (`portal.escalations.promises`: a person on staff telling
    the customer something, never a system entry or the customer's own comment)."""
    return (
        sa.select(Update.id)
        .where(Update.escalation_id == Escalation.id, customer_visible(Update),
               counting_update())
        .order_by(Update.created_at.desc(), Update.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _next_milestone_id():
    """The next customer-visible milestone not yet done, by due time."""
    return (
        sa.select(Milestone.id)
        .where(Milestone.escalation_id == Escalation.id, Milestone.completed_at.is_(None),
               customer_visible(Milestone))
        .order_by(Milestone.due_at, Milestone.id)
        .limit(1)
        .scalar_subquery()
    )


class _history_json(FunctionElement):
    """A JSON array of [at, to_status, id] per status change (any order: `_history` sorts)."""
    type = sa.JSON()
    inherit_cache = True
    name = "history_json"


@compiles(_history_json, "postgresql")
def _history_json_postgresql(element, compiler, **kw):
    return f"json_agg(json_build_array({compiler.process(element.clauses, **kw)}))"


@compiles(_history_json)
def _history_json_sqlite(element, compiler, **kw):
    return f"json_group_array(json_array({compiler.process(element.clauses, **kw)}))"


def _status_history():
    return (
        sa.select(_history_json(StatusChange.at, StatusChange.to_status, StatusChange.id))
        .where(StatusChange.escalation_id == Escalation.id)
        .scalar_subquery()
    )


def _history(entries: list | None) -> list[sla.StatusChange]:
    """`clocks.status_histories`' list for one escalation, from its JSON array."""
    if not entries:
        return []
    changes = sorted((_instant(at), change_id, status) for at, status, change_id in entries)
    return [sla.StatusChange(at=at, status=status) for at, _, status in changes]


def _instant(text: str) -> datetime:
    """An instant as JSON carries it: with an offset from PostgreSQL, as stored (UTC without
    an offset) from SQLite."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is UTC:
        return value
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@cache
def _statement(shape: Shape):
    order = (*ORDER[shape.sort], Escalation.id)
    page = (
        sa.select(
            *_ROW_COLUMNS, Escalation.owner_id, Escalation.communicator_id,
            Escalation.organization_id,
            _newest_vendor_update_id().label("update_id"),
            _next_milestone_id().label("milestone_id"),
            _status_history().label("history"),
            sa.func.row_number().over(order_by=order).label("position"),
        )
        .where(*_criteria(shape))
        .order_by(*order)
        .limit(sa.bindparam("limit")).offset(sa.bindparam("offset"))
        .subquery("page")
    )
    return (
        sa.select(
            *(page.c[column.key] for column in _ROW_COLUMNS),
            _OWNER.name, _OWNER.email, _OWNER.phone,
            _COMMUNICATOR.name, _COMMUNICATOR.email, _COMMUNICATOR.phone,
            Update.body, Update.created_at, Update.next_update_by, _AUTHOR.name,
            Milestone.title, Milestone.due_at, page.c.history,
            # As text: read once per page (the same on every row), parsed once per plan.
            Organization.timezone, sa.cast(SlaPolicy.business_hours, sa.Text),
            sa.cast(SlaPolicy.holidays, sa.Text),
            SlaTarget.acknowledge_minutes, SlaTarget.update_minutes, SlaTarget.resolve_minutes,
        )
        .select_from(page)
        .outerjoin(_OWNER, _OWNER.id == page.c.owner_id)
        .outerjoin(_COMMUNICATOR, _COMMUNICATOR.id == page.c.communicator_id)
        .outerjoin(Update, Update.id == page.c.update_id)
        .outerjoin(_AUTHOR, _AUTHOR.id == Update.author_id)
        .outerjoin(Milestone, Milestone.id == page.c.milestone_id)
        # The organization's SLA terms: its calendar, and the targets of the row's severity.
        .join(Organization, Organization.id == page.c.organization_id)
        .join(SlaPolicy, SlaPolicy.id == Organization.sla_policy_id)
        .outerjoin(SlaTarget, sa.and_(SlaTarget.policy_id == SlaPolicy.id,
                                      SlaTarget.severity == page.c.severity))
        .order_by(page.c.position)
    )
