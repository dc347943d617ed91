"""The staff queue's read model: every open escalation across accounts, filtered, sorted and
paged in SQL, read in a constant number of queries whatever the number of rows.

    changed_stamp() 1 query of two index lookups: when anything shown last changed; the only
                  query an unchanged poll runs (its ETag is built from it)
    summarize()   1 query: open escalations per product area and the quick views' counts
    load_page()   2 queries: one page of matching escalations with their organization, owner
                  and communicator, and the senior-involvement threshold their bars mark;
                  what each row shows beside it (queue_details: the next milestone, the
                  pending handoff, the customer's request for the next level)
    read()        both in 2 queries: the summary's rows ride with the page as one JSON value
                  (a statement's round trip cost more than the JSON); with `rows_as_of` (the
                  live memo's queue ticket) the summary is kept, and asked again while the
                  rows are unchanged only the page is read beside it (the grouping over every
                  open escalation was most of the statement)

SLA states come from the due instants stored on escalations (portal.escalations.due), so
filtering and sorting by them is SQL, and no clock is computed per row. Staff read every
organization (the console runs unscoped) and every row, internal ones included.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import aliased

from portal.accounts.models import Organization, User
from portal.enums import OPEN_STATUSES, STAFF_ROLES, Segment, Status, Tier
from portal.escalations import queue_kept
from portal.escalations.listing import (
    NextMilestone,
    Paged,
    minute_of,
    page_count,
    search_criterion,
    weak_etag,
)
from portal.escalations.models import Escalation, EscalationRequest, Handoff
from portal.escalations.priority import THRESHOLD_SETTING
from portal.escalations.queue_details import CustomerRequest, PendingHandoff, details_of
from portal.extensions import db
from portal.settings import Setting
from portal.sqltypes import UTCDateTime

#: How a statement's rows are read: (statement, parameters) -> rows (see session_rows).
Reader = Callable[[sa.Select, dict], Sequence[sa.Row]]

#: Bump when what a row shows changes, so no browser keeps a representation of the old one.
REPRESENTATION_VERSION = "2"
PAGE_SIZE = 50
AGING_AFTER = timedelta(hours=24)  # "aging": open this long
STALE_AFTER = timedelta(hours=24)  # the same status this long

QUICK_VIEWS = {
    "all": "All open",
    "mine": "Mine",
    "unassigned": "Unassigned",
    "handoffs": "Handoffs for me",
    "overdue": "Updates overdue",
    "requests": "Customer requests",
}
SORTS = {
    "priority": "Priority",
    "sla": "SLA due soonest",
    "age": "Oldest first",
    "customer_update": "Longest without an update",
}
SLA_FILTERS = {"breached": "Breached", "at_risk": "At risk or breached"}
DEFAULT_VIEW = "all"
DEFAULT_SORT = "priority"
UNASSIGNED_OWNER = 0  # the owner filter's "nobody"


def breached(at: datetime):
    """A running clock's due instant has passed (stored instants are NULL when paused)."""
    return sa.or_(sa.and_(Escalation.ack_due_at.is_not(None), Escalation.ack_due_at <= at),
                  sa.and_(Escalation.resolve_due_at.is_not(None),
                          Escalation.resolve_due_at <= at))


def at_risk_or_breached(at: datetime):
    return sa.or_(
        sa.and_(Escalation.ack_at_risk_at.is_not(None), Escalation.ack_at_risk_at <= at),
        sa.and_(Escalation.resolve_at_risk_at.is_not(None), Escalation.resolve_at_risk_at <= at),
        breached(at),
    )


def update_overdue(at: datetime):
    return sa.and_(Escalation.next_update_due_at.is_not(None),
                   Escalation.next_update_due_at < at)


def viewer_literal(user_id: int):
    """The viewer's id written into a statement (not a parameter): the queue's statements
    are remembered per viewer anyway, and with no parameter the planner cannot see (the
    instant aside), PostgreSQL keeps one generic plan for each instead of planning it on
    every execution."""
    return sa.literal_column(str(int(user_id)), sa.Integer)


def _handoff_waiting_for(user_id: int):
    return Escalation.id.in_(
        sa.select(Handoff.escalation_id).where(Handoff.to_user_id == viewer_literal(user_id),
                                               Handoff.acknowledged_at.is_(None)))


def _quick_view(view: str, viewer_id: int, at: datetime):
    if view == "mine":
        viewer = viewer_literal(viewer_id)
        return sa.or_(Escalation.owner_id == viewer, Escalation.communicator_id == viewer)
    if view == "unassigned":
        return Escalation.owner_id.is_(None)
    if view == "handoffs":
        return _handoff_waiting_for(viewer_id)
    if view == "overdue":
        return update_overdue(at)
    if view == "requests":
        return _customer_request_waiting()
    return None


def _customer_request_waiting():
    """A customer asked for the next level and staff have not answered yet."""
    return Escalation.id.in_(
        sa.select(EscalationRequest.escalation_id).where(EscalationRequest.handled_at.is_(None)))


@dataclass(frozen=True)
class QueueQuery:
    """What the viewer asked to see: a quick view, filters, a search, a sort and a page."""

    view: str = DEFAULT_VIEW
    tier: Tier | None = None
    owner: int | None = None  # a user id, or UNASSIGNED_OWNER
    status: Status | None = None
    severity: int | None = None
    area: str | None = None
    segment: Segment | None = None
    organization: int | None = None
    sla: str | None = None
    search: str = ""
    sort: str = DEFAULT_SORT
    page: int = 1

    @property
    def sort_label(self) -> str:
        return SORTS.get(self.sort, SORTS[DEFAULT_SORT])

    @property
    def is_filtered(self) -> bool:
        return any((self.tier, self.owner is not None, self.status, self.severity, self.area,
                    self.segment, self.organization, self.sla, self.search))

    def args(self, *, view: str | None = None, page: int | None = None,
             filters: bool = True) -> dict[str, str]:
        """The query-string arguments that reproduce this view (defaults left out);
        `view`/`page` override, `filters=False` keeps only the view and the sort."""
        view = self.view if view is None else view
        page = self.page if page is None else page
        args = {"view": view if view != DEFAULT_VIEW else "",
                "sort": self.sort if self.sort != DEFAULT_SORT else "",
                "page": str(page) if page > 1 else ""}
        if filters:
            args.update({
                "q": self.search, "tier": self.tier.value if self.tier else "",
                "owner": "" if self.owner is None else str(self.owner),
                "status": self.status.value if self.status else "",
                "severity": str(self.severity or ""), "area": self.area or "",
                "segment": self.segment.value if self.segment else "",
                "account": str(self.organization or ""), "sla": self.sla or ""})
        return {key: value for key, value in args.items() if value}

    def filter_criteria(self, at: datetime) -> list:
        """SQL criteria of the filters and the search (not the quick view)."""
        criteria = []
        if self.tier:
            criteria.append(Escalation.tier == self.tier)
        if self.owner == UNASSIGNED_OWNER:
            criteria.append(Escalation.owner_id.is_(None))
        elif self.owner is not None:
            criteria.append(Escalation.owner_id == self.owner)
        if self.status:
            criteria.append(Escalation.status == self.status)
        if self.severity:
            criteria.append(Escalation.severity == self.severity)
        if self.area:
            criteria.append(Escalation.product_area == self.area)
        if self.segment:
            criteria.append(Organization.segment == self.segment)
        if self.organization:
            criteria.append(Escalation.organization_id == self.organization)
        if self.sla == "breached":
            criteria.append(breached(at))
        elif self.sla == "at_risk":
            criteria.append(at_risk_or_breached(at))
        if self.search:
            criteria.append(search_criterion(self.search, Organization.name))
        return criteria

    def criteria(self, viewer_id: int, at: datetime) -> list:
        view = _quick_view(self.view, viewer_id, at)
        return self.filter_criteria(at) + ([view] if view is not None else [])


def _open_escalations():
    return (sa.select().select_from(Escalation)
            .join(Organization, Organization.id == Escalation.organization_id)
            .where(_open()))


# ------------------------------------------------------------------- the stamp and the summary
def changed_stamp() -> str:
    """When anything the queue shows last changed, from two index lookups: the newest
    `updated_at` of any escalation (a status, owner, tier, score or SLA input change, and an
    escalation entering or leaving the open set, all touch its row) and the newest handoff
    acknowledgement (which does not touch its escalation). The only query an unchanged poll
    runs, whatever the number of escalations; what time alone moves (ages, SLA states) is
    covered by the minute in the ETag."""
    row = db.session.execute(sa.select(
        sa.select(sa.func.max(Escalation.updated_at)).scalar_subquery(),
        sa.select(sa.func.max(Handoff.acknowledged_at)).scalar_subquery(),
    )).one()
    return "|".join(value.isoformat() if value else "-" for value in row)


def etag(stamp: str, filters: str, *, variant: str, viewer: str, at: datetime,
         poll_seconds: int) -> str:
    """A weak validator for one representation of the queue (page or fragment): the change
    stamp, the filters (as the request gave them), the viewer (their quick views and
    timezone) and the current minute, so ages and SLA states refresh at least once a minute."""
    return weak_etag(REPRESENTATION_VERSION, variant, viewer, filters, stamp, minute_of(at),
                     str(poll_seconds))


@dataclass(frozen=True)
class Summary:
    """Open escalations by product area, and how many each quick view holds with the
    filters applied (the one asked for is the matching set); `also`: the values of the
    caller's extra columns (None when no escalation is open: no row carried them)."""

    total_open: int
    areas: tuple[tuple[str, int], ...]
    views: dict[str, int]
    view: str = DEFAULT_VIEW
    also: tuple | None = None
    #: The earliest next-update due instant at or after the instant read at (None: none):
    #: until then no escalation becomes overdue, so no count moves with the clock alone.
    next_flip: datetime | None = None

    @property
    def matching(self) -> int:
        return self.views[self.view]


def summarize(query: QueueQuery, *, viewer_id: int, at: datetime, also: tuple = ()) -> Summary:
    """One aggregate query over the open escalations: counts per product area and per quick
    view (each with the filters applied), and `also` (uncorrelated scalar subqueries the
    caller reads in the same statement, e.g. the navigation's counts). Unfiltered, it reads
    only columns of the covering index ix_escalations_queue_views (an index-only scan on
    PostgreSQL)."""
    statement = _summary_statement(_filters_of(query), viewer_id, also)
    return _summary_of(db.session.execute(statement, {"at": at}).all(), query)


def _filters_of(query: QueueQuery) -> QueueQuery:
    """What the summary depends on: the filters and the search (not the view, sort or page)."""
    return replace(query, view=DEFAULT_VIEW, sort=DEFAULT_SORT, page=1)


def _summary_of(rows, query: QueueQuery) -> Summary:
    """The summary statement's rows (per product area: the area, its open escalations, each
    quick view's count, the area's next flip, then the extra columns), in product-area
    order."""
    views = len(QUICK_VIEWS)
    # column sums by zip (one pass over the rows, no generator per sum)
    columns = list(zip(*rows, strict=True))
    sums = [sum(column) for column in columns[1:2 + views]]
    flips = [_instant(value) for value in columns[2 + views] if value is not None] \
        if columns else []
    return Summary(
        total_open=sums[0] if sums else 0,
        areas=tuple([(row[0], row[1]) for row in rows if row[0]]),
        views=(dict(zip(QUICK_VIEWS, sums[1:], strict=True)) if sums
               else dict.fromkeys(QUICK_VIEWS, 0)),
        view=query.view if query.view in QUICK_VIEWS else DEFAULT_VIEW,
        also=tuple(rows[0][3 + views:]) if rows else None,
        next_flip=min(flips) if flips else None,
    )


def _instant(value) -> datetime:
    """An instant as the summary's rows give it: a datetime, or its text inside the JSON
    value (ISO 8601 on PostgreSQL; SQLite's stored text, UTC)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


#: The instant the queue is read at, bound when a statement runs: statements built from the
#: filters alone are remembered (building one cost more than running it).
AT = sa.bindparam("at")


@lru_cache(maxsize=256)
def _summary_statement(filters: QueueQuery, viewer_id: int, also: tuple):
    """The summary's statement, per filters, viewer and extra columns (the instant is `AT`):
    per product area, its open escalations and, per quick view, how many of them the view
    holds with `filters` applied (aggregates with a FILTER clause: cheaper per row than a
    CASE in each)."""
    criteria = filters.filter_criteria(AT)
    counts = []
    for view in QUICK_VIEWS:
        where = criteria + [c for c in (_quick_view(view, viewer_id, AT),) if c is not None]
        counts.append(sa.func.count().filter(sa.and_(*where)) if where else sa.func.count())
    # the first next-update due instant not yet passed: until it, "Updates overdue" holds
    due = Escalation.next_update_due_at
    next_flip = sa.func.min(due).filter(due >= AT)
    stmt = (
        sa.select(Escalation.product_area, sa.func.count(), *counts, next_flip, *also)
        .where(_open())
        .group_by(Escalation.product_area)
        .order_by(Escalation.product_area)
    )
    if filters.segment or filters.search:  # their criteria name the organization
        stmt = stmt.join(Organization, Organization.id == Escalation.organization_id)
    return stmt


@lru_cache(maxsize=1)
def _open():
    """An open escalation, the statuses written out as literals (not parameters): the planner
    then sees that the partial indexes over the open escalations apply (their predicate is
    portal.escalations.models.escalation.OPEN_PREDICATE), in a generic plan too."""
    return Escalation.status.in_([sa.literal_column(f"'{status.value}'")
                                  for status in OPEN_STATUSES])


# ---------------------------------------------------------------------------------- the rows
@dataclass(frozen=True)
class SlaState:
    """The most urgent running clock: its state, which clock, and its due instant."""

    state: str  # on_track, at_risk, breached, paused, none
    clock: str = ""  # "Acknowledge" or "Resolve"
    due_at: datetime | None = None

    @property
    def highlighted(self) -> bool:
        return self.state in ("at_risk", "breached")


_STATE_RANK = {"breached": 0, "at_risk": 1, "on_track": 2}


def sla_state(escalation: Escalation | QueueEscalation, at: datetime) -> SlaState:
    """From the stored instants: breached once due, at risk from the at-risk instant."""
    running = []
    for name, due, risk in (
            ("Acknowledge", escalation.ack_due_at, escalation.ack_at_risk_at),
            ("Resolve", escalation.resolve_due_at, escalation.resolve_at_risk_at)):
        if due is None:
            continue
        state = "breached" if due <= at else "at_risk" if risk and risk <= at else "on_track"
        running.append(SlaState(state, name, due))
    if not running:
        return SlaState("paused" if escalation.status == Status.WAITING_ON_CUSTOMER else "none")
    return min(running, key=lambda s: (_STATE_RANK[s.state], s.due_at))


@dataclass(frozen=True)
class QueueRow:
    escalation: QueueEscalation
    sla: SlaState
    next_milestone: NextMilestone | None
    pending_handoff: PendingHandoff | None
    customer_request: CustomerRequest | None
    age: timedelta
    in_status: timedelta
    since_customer_update: timedelta | None
    update_overdue: bool

    @property
    def aging(self) -> bool:
        return self.age >= AGING_AFTER

    @property
    def stale(self) -> bool:
        return self.in_status >= STALE_AFTER

    @property
    def version(self) -> str:
        """Changes whenever the escalation changes (live.js highlights the row)."""
        pending = self.pending_handoff.since.isoformat() if self.pending_handoff else "-"
        asked = self.customer_request.since.isoformat() if self.customer_request else "-"
        return f"{self.escalation.updated_at.isoformat()}|{pending}|{asked}"


@dataclass(frozen=True)
class Queue(Paged):
    query: QueueQuery
    summary: Summary
    rows: list[QueueRow] = field(default_factory=list)
    page: int = 1
    threshold: int | None = None  # the senior-involvement score (read with the rows)

    @property
    def page_size(self) -> int:
        return PAGE_SIZE

    @property
    def pages(self) -> int:
        return page_count(self.summary.matching, PAGE_SIZE)


def _sla_due(c=Escalation):
    """The running clock due first: acknowledge, unless resolve is due earlier."""
    ack, resolve = c.ack_due_at, c.resolve_due_at
    return sa.case(
        (sa.and_(ack.is_not(None), sa.or_(resolve.is_(None), ack <= resolve)), ack),
        else_=resolve)


def _order(sort: str, c=Escalation) -> tuple:
    """The order of `sort` over the escalations' columns, or over `c`: a page's columns as a
    subquery names them."""
    if sort == "age":
        return (c.opened_at, c.id)
    if sort == "sla":
        due = _sla_due(c)
        return (due.is_(None), due, c.priority_score.desc(), c.id)
    if sort == "customer_update":
        return (sa.func.coalesce(c.last_customer_update_at, c.opened_at), c.id)
    return (c.priority_score.desc(), c.opened_at, c.id)


_ROW_COLUMNS = (
    Escalation.title, Escalation.severity, Escalation.status, Escalation.tier,
    Escalation.product_area, Escalation.owner_id, Escalation.communicator_id,
    Escalation.organization_id, Escalation.priority_score, Escalation.priority_breakdown,
    Escalation.opened_at, Escalation.status_changed_at, Escalation.updated_at,
    Escalation.last_customer_update_at, Escalation.ack_due_at, Escalation.ack_at_risk_at,
    Escalation.resolve_due_at, Escalation.resolve_at_risk_at, Escalation.next_update_due_at,
    Escalation.is_drill,  # the row's DRILL chip
)


def page_number(requested: int, summary: Summary) -> int:
    """The requested page, kept within the pages that exist."""
    return min(max(1, requested), page_count(summary.matching, PAGE_SIZE))


def session_rows(statement: sa.Select, parameters: dict) -> Sequence[sa.Row]:
    """A statement's rows through the session's (ORM) execution: how the queue reads unless
    its caller passes another reader (the console passes portal.reads.rows, the same read
    under the same tenancy guard without the ORM's execution around plain columns)."""
    return db.session.execute(statement, parameters).all()


def load_page(query: QueueQuery, summary: Summary, *, viewer_id: int, at: datetime,
              run: Reader = session_rows) -> Queue:
    """One page of the matching escalations, in the query's order, with what each row shows
    and the senior-involvement threshold (the setting, read in the same statement).
    Two queries whatever the page size (none when nothing matches)."""
    page = page_number(query.page, summary)
    if not summary.matching:
        return Queue(query=query, summary=summary, page=page)
    stmt = _page_statement(replace(query, page=page), viewer_id, PAGE_SIZE)
    return _board(query, summary, page, run(stmt, {"at": at}), at, run)


def read(query: QueueQuery, *, viewer_id: int, at: datetime, also: tuple = (),
         run: Reader = session_rows, rows_as_of: Hashable | None = None) -> Queue:
    """`summarize` and `load_page` in one statement: the page asked for, beside the summary
    (its rows as one JSON value, the same on every row). Two statements in all whatever the
    page size (the rows' details are the second); a page past the last one (the set shrank
    since the link was drawn) reads the last page as `load_page` does, in two more.

    `rows_as_of` (portal.live.queue_ticket, taken before this read) names the queue's rows as
    they stand: a summary read under it is kept, and the same filters asked for while it
    still names them read only the page beside it (see portal.escalations.queue_kept)."""
    filters = _filters_of(query)
    kept = queue_kept.summary(rows_as_of, filters, viewer_id, at, _view_of(query))
    if kept is not None:
        page = page_number(query.page, kept)
        stmt = _page_beside_kept_statement(replace(query, page=page), viewer_id, PAGE_SIZE,
                                           also)
        found = run(stmt, {"at": at})
        if found:  # (none: the rows changed under the ticket's feet; read as below)
            first = len(_ROW_SELECT)
            summary = replace(kept, view=_view_of(query), also=tuple(found[0][first:-1]))
            return _board(query, summary, page, found, at, run)
    dialect = db.session.get_bind().dialect.name
    stmt = _page_and_summary_statement(query, viewer_id, PAGE_SIZE, also, dialect)
    found = run(stmt, {"at": at})
    counts = json.loads(found[0][0]) if found[0][0] is not None else []
    if dialect != "postgresql":  # PostgreSQL aggregates them in product-area order
        counts.sort(key=lambda row: (row[0] is not None, row[0] or ""))
    summary = _summary_of(counts, query)
    queue_kept.keep(rows_as_of, filters, viewer_id, at, summary)
    page = page_number(query.page, summary)
    if page != query.page or not summary.matching:
        return load_page(query, summary, viewer_id=viewer_id, at=at, run=run)
    found = [row[1:] for row in found]
    return _board(query, summary, page, found, at, run)


@lru_cache(maxsize=256)
def _page_beside_kept_statement(query: QueueQuery, viewer_id: int, size: int, also: tuple):
    """One page's statement with the caller's extra columns (the navigation's counts) before
    the threshold (the last column, as `_board` reads it): the page beside a kept summary."""
    return (_matching(query, viewer_id, AT).add_columns(*also, _threshold())
            .limit(_literal(size)).offset(_literal((query.page - 1) * size)))


def _view_of(query: QueueQuery) -> str:
    return query.view if query.view in QUICK_VIEWS else DEFAULT_VIEW


def _board(query: QueueQuery, summary: Summary, page: int, found: list, at: datetime,
           run: Reader) -> Queue:
    rows = _rows([_escalation_of(row) for row in found], at, run)
    _, default = THRESHOLD_SETTING
    threshold = found[-1][-1] if found else None  # None: rows closed since the summary
    return Queue(query=query, summary=summary, rows=rows, page=page,
                 threshold=int(default if threshold is None else threshold))


@lru_cache(maxsize=256)
def _page_and_summary_statement(query: QueueQuery, viewer_id: int, size: int, also: tuple,
                                dialect: str):
    """The summary's rows aggregated into one JSON text, joined to every row of the page
    (and to none: a row with a NULL page when nothing matches or the page is past the end),
    in the page's order. Remembered per query, viewer, size, extra columns and database
    kind; the instant is `AT`."""
    counts = _summary_statement(_filters_of(query), viewer_id, also).subquery("counts")
    columns = sa.func.json_build_array if dialect == "postgresql" else sa.func.json_array
    each = columns(*counts.c)
    if dialect == "postgresql":
        rows = sa.func.json_agg(postgresql.aggregate_order_by(each, counts.c[0]))
    else:
        rows = sa.func.json_group_array(each)
    summary = sa.select(sa.cast(rows, sa.Text).label("summary")).subquery("summary")
    page = _page_statement(query, viewer_id, size).subquery("page")
    return (sa.select(summary.c.summary, *page.c)
            .select_from(summary.outerjoin(page, sa.true()))
            .order_by(*_order(query.sort, page.c)))


@lru_cache(maxsize=256)
def _page_statement(query: QueueQuery, viewer_id: int, size: int):
    """One page's statement (remembered per query, viewer and page size; the instant is
    `AT`)."""
    return (_matching(query, viewer_id, AT).add_columns(_threshold())
            .limit(_literal(size)).offset(_literal((query.page - 1) * size)))


def _literal(number: int):
    """A LIMIT or OFFSET written into the statement (each page's statement is its own): with
    no parameter the planner can tell, PostgreSQL keeps one generic plan for a prepared page
    instead of planning it on every execution."""
    return sa.literal_column(str(int(number)))


def _threshold():
    """The senior-involvement score administrators set (Priority page), NULL when unset:
    portal.escalations.operations.common.senior_threshold, as a column of the page."""
    key, _ = THRESHOLD_SETTING
    return sa.select(Setting.value).where(Setting.key == key).scalar_subquery()


def every_row(query: QueueQuery, *, viewer_id: int, at: datetime,
              batch: int = PAGE_SIZE * 10) -> Iterator[QueueRow]:
    """Every matching escalation's row, in the query's order, read `batch` at a time (an
    export of the whole queue): two queries per batch."""
    escalations = db.session.execute(
        _matching(query, viewer_id, at).execution_options(yield_per=batch))
    for part in escalations.partitions():
        yield from _rows([_escalation_of(row) for row in part], at)


@dataclass(frozen=True, slots=True)
class Named:
    """Someone (or an account) a row names: what the queue prints of them."""
    name: str
    segment: Segment | None = None


@dataclass(frozen=True, slots=True)
class QueueEscalation:
    """What a queue row shows of its escalation, read as plain columns (no ORM entity: a page
    of fifty cost more in building entities and their relationships than in SQL)."""
    id: int
    title: str
    severity: int
    status: Status
    tier: Tier
    product_area: str | None
    owner_id: int | None
    communicator_id: int | None
    organization_id: int
    priority_score: int
    priority_breakdown: dict | None
    opened_at: datetime
    status_changed_at: datetime
    updated_at: datetime
    last_customer_update_at: datetime | None
    ack_due_at: datetime | None
    ack_at_risk_at: datetime | None
    resolve_due_at: datetime | None
    resolve_at_risk_at: datetime | None
    next_update_due_at: datetime | None
    is_drill: bool
    organization: Named
    owner: Named | None
    communicator: Named | None

    @property
    def reference(self) -> str:
        return Escalation.reference_of(self.id)


_OWNER = aliased(User, name="owner")
_COMMUNICATOR = aliased(User, name="communicator")
_FIELDS = len(_ROW_COLUMNS) + 1


def _as_read(column):
    """A row column as the database gives it, converted in `_escalation_of`'s one pass rather
    than by its type's processor per value (fifty rows of a dozen instants, enums and a JSON
    document cost a few thousand Python calls that way): instants as the driver reads them
    (portal.sqltypes.UTCDateTime's work is done there), enums as their stored strings, the
    priority breakdown as its JSON text (decoded once per distinct text)."""
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return sa.type_coerce(column, _INSTANT).label(column.key)
    if isinstance(kind, sa.Enum):
        return sa.type_coerce(column, sa.String).label(column.key)
    if isinstance(kind, sa.JSON):
        return sa.cast(column, sa.Text).label(column.key)
    return column


_INSTANT = sa.DateTime(timezone=True)
_ROW_SELECT = tuple(_as_read(column) for column in (
    Escalation.id, *_ROW_COLUMNS, Organization.name, Organization.segment)) + (
    _OWNER.name, _COMMUNICATOR.name)
_INSTANTS = tuple(n for n, column in enumerate((Escalation.id, *_ROW_COLUMNS))
                  if isinstance(column.type, UTCDateTime))
_STATUS_AT = _ROW_COLUMNS.index(Escalation.status) + 1
_TIER_AT = _ROW_COLUMNS.index(Escalation.tier) + 1
_BREAKDOWN_AT = _ROW_COLUMNS.index(Escalation.priority_breakdown) + 1
_STATUSES = {status.value: status for status in Status}
_TIERS = {tier.value: tier for tier in Tier}
_SEGMENTS = {segment.value: segment for segment in Segment}


@lru_cache(maxsize=1024)
def _breakdown(text: str | None) -> dict | None:
    """A priority breakdown's JSON text, decoded (read only: shared by the rows that hold it)."""
    return None if text is None else json.loads(text)


def _escalation_of(row) -> QueueEscalation:
    values = list(row)
    for n in _INSTANTS:  # UTCDateTime.process_result_value, inline
        instant = values[n]
        if instant is not None:
            values[n] = (instant.replace(tzinfo=UTC) if instant.tzinfo is None
                         else instant.astimezone(UTC))
    values[_STATUS_AT] = _STATUSES[values[_STATUS_AT]]
    values[_TIER_AT] = _TIERS[values[_TIER_AT]]
    values[_BREAKDOWN_AT] = _breakdown(values[_BREAKDOWN_AT])
    organization_name, segment, owner_name, communicator_name = values[_FIELDS:_FIELDS + 4]
    return QueueEscalation(
        *values[:_FIELDS], organization=_named(organization_name, _SEGMENTS[segment]),
        owner=_named(owner_name) if owner_name is not None else None,
        communicator=_named(communicator_name) if communicator_name is not None else None)


@lru_cache(maxsize=4096)
def _named(name: str, segment: Segment | None = None) -> Named:
    """One (immutable) Named per name and segment, shared by the rows that name it."""
    return Named(name, segment)


def _matching(query: QueueQuery, viewer_id: int, at: datetime):
    return (
        _open_escalations()
        .add_columns(*_ROW_SELECT)
        .outerjoin(_OWNER, _OWNER.id == Escalation.owner_id)
        .outerjoin(_COMMUNICATOR, _COMMUNICATOR.id == Escalation.communicator_id)
        .where(*query.criteria(viewer_id, at))
        .order_by(*_order(query.sort))
    )


def _rows(escalations: list[QueueEscalation], at: datetime,
          run: Reader = session_rows) -> list[QueueRow]:
    if not escalations:
        return []
    details = details_of([escalation.id for escalation in escalations], run)
    milestones, handoffs, requests = details.milestones, details.handoffs, details.requests
    rows = []
    for e in escalations:
        n, last_update, next_update = e.id, e.last_customer_update_at, e.next_update_due_at
        # (`in` and a subscript, not .get: no method call per row and detail)
        rows.append(QueueRow(
            escalation=e,
            sla=_sla_state(e, at),
            next_milestone=milestones[n] if n in milestones else None,  # noqa: SIM401
            pending_handoff=handoffs[n] if n in handoffs else None,  # noqa: SIM401
            customer_request=requests[n] if n in requests else None,  # noqa: SIM401
            age=at - e.opened_at,
            in_status=at - e.status_changed_at,
            since_customer_update=at - last_update if last_update else None,
            update_overdue=next_update is not None and next_update < at,
        ))
    return rows


_RUNNING = ("breached", "at_risk", "on_track")  # in _STATE_RANK's order


def _sla_state(e: QueueEscalation, at: datetime) -> SlaState:
    """sla_state(e, at), without a SlaState per running clock nor min()'s key per clock (a
    page asks fifty times): the two clocks compared by (rank, due instant), acknowledge first
    on a tie as min() kept it; each distinct state remembered (tests/escalations hold the two
    to the same answers)."""
    ack, resolve = e.ack_due_at, e.resolve_due_at
    if ack is not None:
        risk = e.ack_at_risk_at
        ack_rank = 0 if ack <= at else 1 if risk and risk <= at else 2
        if resolve is None:
            return _sla(_RUNNING[ack_rank], "Acknowledge", ack)
    elif resolve is None:
        return _PAUSED if e.status == Status.WAITING_ON_CUSTOMER else _NO_CLOCK
    risk = e.resolve_at_risk_at
    resolve_rank = 0 if resolve <= at else 1 if risk and risk <= at else 2
    if ack is not None and (ack_rank, ack) <= (resolve_rank, resolve):
        return _sla(_RUNNING[ack_rank], "Acknowledge", ack)
    return _sla(_RUNNING[resolve_rank], "Resolve", resolve)


_PAUSED, _NO_CLOCK = SlaState("paused"), SlaState("none")


@lru_cache(maxsize=8192)
def _sla(state: str, clock: str, due_at: datetime) -> SlaState:
    """One (immutable) SlaState per state, clock and due instant."""
    return SlaState(state, clock, due_at)


# ------------------------------------------------------------------------- filter choices
def staff_choices() -> list[tuple[int, str]]:
    """Active staff, for the owner filter (one query)."""
    return [(row.id, row.name) for row in db.session.execute(
        sa.select(User.id, User.name)
        .where(User.role.in_(STAFF_ROLES), User.active.is_(True))
        .order_by(User.name))]


def organization_choices() -> list[tuple[int, str]]:
    """Every customer account, for the account filter (one query)."""
    return [(row.id, row.name) for row in db.session.execute(
        sa.select(Organization.id, Organization.name).order_by(Organization.name))]
