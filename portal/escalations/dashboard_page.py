"""One page of the customer dashboard in one statement, read as a few JSON texts per row.

Each row brings its escalation's fields, owner and communicator, newest vendor update (with its
author), next milestone, status history and the SLA terms of its organization's plan for its
severity. The statement is built once per `Shape` (which sort, which filters are set; their
values are parameters): building it cost more than running it. Each part of a row comes as one
JSON text that stays the same until that part changes, and each distinct text is turned into
its record once (`read`).

Everything read is customer-visible (DESIGN.md invariant 2): updates and milestones through
`customer_visible()`, and every table through the session's tenancy criteria
(portal.isolation), which apply in the subqueries and joins as anywhere else.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from functools import cache, lru_cache
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.visitors import replacement_traverse

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
    their people cost more than the SQL that read them; a named tuple, built once per distinct
    JSON text of the row's first column)."""
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
    history: sla.OrderedHistory
    #: The organization's SLA calendar, and its plan's targets for the row's severity (None:
    #: the plan has none).
    calendar: sla.Calendar
    targets: sla.Targets | None


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


#: Runs a select() of plain columns with its parameters for the request's session, under its
#: tenancy decision, and gives its rows: `portal.reads.rows`, which the web passes in (it
#: skips the ORM's execution around the statement; this package cannot import it: it stands
#: on every model package, this one included). Without one, the session's own execute.
Run = Callable[[sa.Select, dict], Iterable[tuple]]


def read(shape: Shape, params: dict, *, run: Run | None = None) -> list[PageRow]:
    """The page: `params` holds organization_id, limit, offset and the set filters' values
    (severity, status, area, pattern, reference).

    Each part of a row (the escalation with its people, the latest update, the next
    milestone, the status history, the plan's terms) comes as one JSON text, the same text on
    every request until that part changes: each distinct text is turned into its record once
    and remembered (pure functions of the text), so a row costs a few lookups, not a
    conversion per column."""
    rows = []
    for escalation, latest, milestone, history, terms in (run or db.session.execute)(
            _statement(shape), params):
        escalation = _escalation_of(escalation)
        calendar, targets = _terms_of(terms)
        rows.append(_new(PageRow, (escalation, *_update_of(latest), *_milestone_of(milestone),
                                   _history(history), calendar,
                                   targets.get(escalation.severity))))
    return rows


_new = tuple.__new__  # a named tuple in one call (its __new__ is two)


_ROW_COLUMNS = (
    Escalation.id, Escalation.title, Escalation.severity, Escalation.status, Escalation.tier,
    Escalation.product_area, Escalation.opened_at, Escalation.acknowledged_at,
    Escalation.resolved_at, Escalation.customer_changed_at,
)
_OWNER = aliased(User, name="owner")
_COMMUNICATOR = aliased(User, name="contact")
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


class _json_array(FunctionElement):
    """A JSON array of its arguments, as text (`read` parses each distinct text once)."""
    type = sa.Text()
    inherit_cache = True
    name = "j"  # short: its label is in the statement's text (psycopg parses 4 KB or less once)


@compiles(_json_array, "postgresql")
def _json_array_postgresql(element, compiler, **kw):
    return f"CAST(json_build_array({compiler.process(element.clauses, **kw)}) AS TEXT)"


@compiles(_json_array)
def _json_array_sqlite(element, compiler, **kw):
    return f"json_array({compiler.process(element.clauses, **kw)})"


class _json_value(FunctionElement):
    """A JSON array of its arguments, as JSON: nested as an array in an enclosing
    `_json_array` on PostgreSQL; SQLite's subqueries hand it on as text (`_json` reads both)."""
    type = sa.Text()
    inherit_cache = True
    name = "v"


@compiles(_json_value, "postgresql")
def _json_value_postgresql(element, compiler, **kw):
    return f"json_build_array({compiler.process(element.clauses, **kw)})"


@compiles(_json_value)
def _json_value_sqlite(element, compiler, **kw):
    return f"json_array({compiler.process(element.clauses, **kw)})"


class _history_json(FunctionElement):
    """A JSON array of one JSON array per row (its arguments), as text: [at, to_status, id]
    per status change (any order: `_history` sorts), [severity, minutes...] per SLA target."""
    type = sa.Text()
    inherit_cache = True
    name = "h"


@compiles(_history_json, "postgresql")
def _history_json_postgresql(element, compiler, **kw):
    return f"CAST(json_agg(json_build_array({compiler.process(element.clauses, **kw)})) AS TEXT)"


@compiles(_history_json)
def _history_json_sqlite(element, compiler, **kw):
    return f"json_group_array(json_array({compiler.process(element.clauses, **kw)}))"


#: LIMIT 1 written into the statement, not a parameter.
_ONE = sa.literal_column("1")


def _latest_vendor_update():
    """The newest update that counts (`portal.escalations.promises`: a person on staff telling
    the customer something, never a system entry or the customer's own comment): [body,
    created_at, next_update_by, author's name]."""
    author = sa.select(_AUTHOR.name).where(_AUTHOR.id == Update.author_id).scalar_subquery()
    return (
        sa.select(_json_array(Update.body, Update.created_at, Update.next_update_by, author))
        .where(Update.escalation_id == Escalation.id,
               _enumerations_written(customer_visible(Update) & counting_update()))
        .order_by(Update.created_at.desc(), Update.id.desc())
        .limit(_ONE)
        .scalar_subquery()
    )


def _person(person, person_id):
    """An owner's or communicator's [name, email, phone] (null: none), looked up for the page's
    rows only: a subquery, which PostgreSQL works out after the sort and the limit, where a
    join ran before them (for every open escalation under any sort but the indexed one) and
    needed the page sorted again and numbered to keep its order."""
    return (
        sa.select(_json_value(person.name, person.email, person.phone))
        .where(person.id == person_id)
        .scalar_subquery()
    )


def _enumerations_written(criteria):
    """The criteria with their enumerated values (visibility, kind) written into the statement
    as constants, the rule itself unchanged: PostgreSQL's generic plan can then prove that the
    rows it asks for are in migration 0040's partial index of counting updates (a parameter
    proves nothing), whose first entry per escalation is then the answer."""
    def written(element):
        if isinstance(element, BindParameter) and isinstance(element.value, Enum):
            return sa.literal_column(f"'{element.value.value}'")
        return None
    return replacement_traverse(criteria, {}, written)


def _next_milestone():
    """The next customer-visible milestone not yet done, by due time: [title, due_at]."""
    return (
        sa.select(_json_array(Milestone.title, Milestone.due_at))
        .where(Milestone.escalation_id == Escalation.id, Milestone.completed_at.is_(None),
               customer_visible(Milestone))
        .order_by(Milestone.due_at, Milestone.id)
        .limit(_ONE)
        .scalar_subquery()
    )


_PAUSE = aliased(StatusChange, name="pause")
#: The statuses the clocks do not count (`sla.NOT_COUNTING`) as SQL literals, in a fixed order
#: (migration 0041's partial index is on exactly these; constants, so that a generic plan can
#: prove its probe is in the index).
_NOT_COUNTING = [sa.literal_column(f"'{status}'") for status in sorted(sla.NOT_COUNTING)]


def _status_history():
    """The status history, only of an escalation that ever entered a status the clocks do not
    count (`sla.NOT_COUNTING`; null otherwise): a history without one is the same to
    `sla.compute_clocks` as none (the clock runs from opening), and most open escalations never
    paused. The probe is one descent of migration 0041's partial index of those entries; the
    history it spares was an aggregate of JSON built per entry (on the bench's busiest
    organization, 2 of a page's 25 rows ever paused: ~1.36 -> ~1.19 ms of PostgreSQL's CPU per
    execution of the page's statement)."""
    paused = (
        sa.select(_PAUSE.id)
        .where(_PAUSE.escalation_id == Escalation.id, _PAUSE.to_status.in_(_NOT_COUNTING))
        .exists()
    )
    history = (
        sa.select(_history_json(StatusChange.at, StatusChange.to_status, StatusChange.id))
        .where(StatusChange.escalation_id == Escalation.id)
        .scalar_subquery()
    )
    return sa.case((paused, history))


# A row's update, milestone and history come as JSON text, the same text on every request
# until the escalation changes: each distinct text is parsed once (pure functions, remembered).
_NO_UPDATE = (None, None, None, None)
_NO_MILESTONE = (None, None)


@lru_cache(maxsize=4096)
def _update_of(text: str | None) -> tuple:
    """(body, created_at, next_update_by, author) of the latest update's JSON array."""
    if text is None:
        return _NO_UPDATE
    body, created_at, next_update_by, author = json.loads(text)
    return body, _instant(created_at), _instant(next_update_by), author


@lru_cache(maxsize=4096)
def _milestone_of(text: str | None) -> tuple:
    """(title, due_at) of the next milestone's JSON array."""
    if text is None:
        return _NO_MILESTONE
    title, due_at = json.loads(text)
    return title, _instant(due_at)


_NO_HISTORY = sla.OrderedHistory()


@lru_cache(maxsize=4096)
def _history(text: str | None) -> sla.OrderedHistory:
    """`clocks.status_histories`' list for one escalation, from its JSON array: in UTC and in
    order (by instant, then as recorded), so `sla.compute_clocks` reads it as it is."""
    if not text:
        return _NO_HISTORY
    changes = sorted((_instant(at), change_id, status)
                     for at, status, change_id in json.loads(text))
    return sla.OrderedHistory(sla.StatusChange(at=at, status=status) for at, _, status in changes)


@lru_cache(maxsize=4096)
def _escalation_of(text: str) -> DashboardEscalation:
    """The escalation and its people, from the JSON array of the statement's first column
    (`_ROW_COLUMNS`, then the owner's and the communicator's [name, email, phone] or null:
    nested (PostgreSQL) or as JSON text (SQLite))."""
    (id_, title, severity, status, tier, product_area, opened_at, acknowledged_at, resolved_at,
     customer_changed_at, owner, contact) = json.loads(text)
    return DashboardEscalation(
        id_, title, severity, Status(status), Tier(tier), product_area, _instant(opened_at),
        _instant(acknowledged_at), _instant(resolved_at), _instant(customer_changed_at),
        _person_of(_json(owner)), _person_of(_json(contact)))


def _person_of(person: list | None) -> Person | None:
    return None if person is None else Person(*person)


@lru_cache(maxsize=256)
def _terms_of(text: str) -> tuple[sla.Calendar, dict[int, sla.Targets]]:
    """The organization's SLA calendar (`clocks.calendar_of`) and its plan's targets by
    severity, from [timezone, business hours, holidays, [[severity, acknowledge, update,
    resolve minutes], ...] or null]: the plan's JSON nested (PostgreSQL) or as JSON text
    (SQLite). A severity the plan has no targets for is missing (`load_rows` refuses it)."""
    timezone, business_hours, holidays, targets = json.loads(text)
    calendar = sla.Calendar.from_policy(timezone, _json(business_hours), _json(holidays) or ())
    return calendar, {
        severity: sla.Targets(acknowledge_minutes=acknowledge, update_minutes=update,
                              resolve_minutes=resolve)
        for severity, acknowledge, update, resolve in _json(targets) or ()}


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def _instant(text: str | None) -> datetime | None:
    """An instant as JSON carries it: with an offset from PostgreSQL, as stored (UTC without
    an offset) from SQLite."""
    if text is None:
        return None
    value = datetime.fromisoformat(text)
    if value.tzinfo is UTC:
        return value
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@cache
def _statement(shape: Shape):
    """One level: the open escalations in the page's order, limited, each row's parts as
    subqueries (PostgreSQL evaluates them for the page's rows only, after the sort and the
    limit, under any sort)."""
    return (
        sa.select(
            _json_array(*_ROW_COLUMNS, _person(_OWNER, Escalation.owner_id),
                        _person(_COMMUNICATOR, Escalation.communicator_id)),
            _latest_vendor_update(), _next_milestone(), _status_history(), _terms(),
        )
        .where(*_criteria(shape))
        .order_by(*ORDER[shape.sort], Escalation.id)
        .limit(sa.bindparam("limit")).offset(sa.bindparam("offset"))
    )


def _terms():
    """The organization's SLA terms: its calendar and its plan's targets of every severity,
    one JSON text. Not correlated with the rows: PostgreSQL works it out once per execution
    (an InitPlan), not once per row as the join of organization, plan and targets did."""
    targets = (
        sa.select(_history_json(SlaTarget.severity, SlaTarget.acknowledge_minutes,
                                SlaTarget.update_minutes, SlaTarget.resolve_minutes))
        .where(SlaTarget.policy_id == SlaPolicy.id)
        .scalar_subquery()
    )
    return (
        sa.select(_json_array(Organization.timezone, SlaPolicy.business_hours,
                              SlaPolicy.holidays, targets))
        .join(SlaPolicy, SlaPolicy.id == Organization.sla_policy_id)
        .where(Organization.id == sa.bindparam("organization_id"))
        .scalar_subquery()
    )
