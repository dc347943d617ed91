"""The listing kernel: what every list of open escalations shares, whoever reads it.

The staff queue (`queue.py`) and the customer dashboard (`dashboard.py`) are two read models
over one kind of list: open escalations, searched by reference or words, filtered, counted
by product area, paged in SQL, each row with its next milestone, the whole validated by a
weak ETag so an unchanged poll costs one aggregate query. The pieces are here once; each read
model adds only what its readers see. Where a row could be internal, the caller says whose
view it is (`customer_view`): the customer's goes through `customer_visible()` (DESIGN.md
invariant 2), never by default.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import cache

import sqlalchemy as sa

from portal.accounts.models import Organization
from portal.escalations.models import Escalation, Milestone
from portal.escalations.queries import customer_visible
from portal.extensions import db

SEARCH_MAX_CHARS = 100


def search_criterion(text: str, *also: sa.ColumnElement):
    """A reference ("ESC-1042", "esc-1042" or just "1042"), or words in the title (or in any
    column of `also`, such as the customer's name on the staff queue)."""
    return search_criterion_of(search_pattern(text), searched_reference(text), *also)


def search_pattern(text: str) -> str:
    """The LIKE pattern (escape character "\\") of words searched anywhere in a text."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def searched_reference(text: str) -> int | None:
    """The escalation id a search names as a reference ("ESC-1042" or just "1042"), if any."""
    return Escalation.id_from_reference(text if not text.isdigit() else f"ESC-{text}")


def search_criterion_of(pattern, escalation_id=None, *also: sa.ColumnElement):
    """`search_criterion` from its pattern and reference (values or bound parameters)."""
    criterion = sa.or_(*(column.ilike(pattern, escape="\\")
                         for column in (Escalation.title, *also)))
    if escalation_id is not None:
        criterion = sa.or_(criterion, Escalation.id == escalation_id)
    return criterion


@dataclass(frozen=True)
class NextMilestone:
    title: str
    due_at: datetime


def next_milestones(ids: list[int], *, customer_view: bool) -> dict[int, NextMilestone]:
    """The next milestone not yet done, by due time, per escalation (one query). Staff see
    internal milestones too; a customer's view only customer-visible ones."""
    stmt = _next_milestones_statement(customer_view)
    return {row.escalation_id: NextMilestone(row.title, row.due_at)
            for row in db.session.execute(stmt, {"ids": list(ids)})}


@cache
def _next_milestones_statement(customer_view: bool):
    """Built once per view (a statement is immutable; building it cost more than running it);
    the escalations are an expanding parameter, `ids`."""
    criteria = [Milestone.escalation_id.in_(sa.bindparam("ids", expanding=True)),
                Milestone.completed_at.is_(None)]
    if customer_view:
        criteria.append(customer_visible(Milestone))
    ranked = (
        sa.select(
            Milestone.escalation_id, Milestone.title, Milestone.due_at,
            sa.func.row_number().over(partition_by=Milestone.escalation_id,
                                      order_by=(Milestone.due_at, Milestone.id)).label("nth"),
        )
        .where(*criteria)
        .subquery()
    )
    return sa.select(ranked.c.escalation_id, ranked.c.title, ranked.c.due_at).where(
        ranked.c.nth == 1)


def only_where(criteria: list, column, otherwise=None):
    """`column` for the rows matching every criterion (None elsewhere), for an aggregate that
    counts a subset in the same pass; the column itself when there are no criteria."""
    criteria = [criterion for criterion in criteria if criterion is not None]
    return sa.case((sa.and_(*criteria), column), else_=otherwise) if criteria else column


@dataclass(frozen=True)
class AreaGroups:
    """The list's open escalations per product area: how many, and the caller's aggregates."""

    rows: list  # (area, count, *aggregates) per product area

    @property
    def total(self) -> int:
        return sum(row[1] for row in self.rows)

    @property
    def areas(self) -> tuple[tuple[str, int], ...]:
        """(area, open count) for the area filter's choices; escalations without one are
        counted in the total only."""
        return tuple((row[0], row[1]) for row in self.rows if row[0])

    def column(self, n: int) -> list:
        """The n-th aggregate of every area."""
        return [row[2 + n] for row in self.rows]


def by_area(*aggregates, where: list, join_organization: bool = False,
            params: dict | None = None) -> AreaGroups:
    """One aggregate query: the escalations `where` selects, grouped by product area, with the
    count and `aggregates` of each group (what a summary and an unchanged poll's ETag need);
    `params` binds the parameters the caller's criteria name."""
    stmt = (
        sa.select(Escalation.product_area, sa.func.count(Escalation.id), *aggregates)
        .where(*where)
        .group_by(Escalation.product_area)
        .order_by(Escalation.product_area)
    )
    if join_organization:
        stmt = stmt.join(Organization, Organization.id == Escalation.organization_id)
    return AreaGroups(db.session.execute(stmt, params).all())


def page_count(matching: int, page_size: int) -> int:
    """How many pages `matching` rows fill (one, even when empty)."""
    return max(1, -(-matching // page_size))


class Paged:
    """Mixin for one page of a list: its `page_size`, `page` and `rows` give the positions
    shown ("26–50 of 73")."""

    page_size: int

    @property
    def first(self) -> int:
        """The position of the first row shown (1-based), 0 when none is."""
        return (self.page - 1) * self.page_size + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return (self.page - 1) * self.page_size + len(self.rows) if self.rows else 0


def weak_etag(*parts: str) -> str:
    """A weak validator from everything a representation was made of (the read model's
    representation version, the variant, the viewer, the query, what changed, the minute)."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def minute_of(at: datetime) -> str:
    """The current minute, in every list's ETag: relative times and ages refresh with it."""
    return str(int(at.timestamp() // 60))
