"""The customer dashboard's read model: an organization's open escalations with everything a
row shows, read in a constant number of queries whatever the number of rows.

    summarize()    1 query: the product-area facets and a digest of the matching set; the
                   only query an unchanged poll runs (its ETag is built from it)
    load_rows()    1 query: one page of the matching escalations, each with its owner and
                   communicator, newest vendor update, next milestone, status history and SLA
                   terms, read as plain columns (portal.escalations.dashboard_page)

Everything read here is customer-visible: escalation fields customers see, and updates and
milestones through `customer_visible()` only (DESIGN.md invariant 2). Tenancy comes from the
session (portal.tenancy); the explicit organization filters only help the query planner.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

import sqlalchemy as sa
from markdown_it import MarkdownIt

from portal.enums import OPEN_STATUSES, Status
from portal.escalations import dashboard_page, listing, sla
from portal.escalations.models import Escalation

#: Bump when what a row shows changes, so no browser keeps a representation of the old one.
REPRESENTATION_VERSION = "1"
EXCERPT_CHARS = 160
AREA_MAX_CHARS = 80
PAGE_SIZE = 25
MAX_PAGE = 10_000

SORTS = {
    "severity": "Most severe first",
    "newest": "Newest first",
    "oldest": "Oldest first",
    "next_update": "Next update due",
    "updated": "Recently updated",
}
DEFAULT_SORT = "severity"


@dataclass(frozen=True)
class DashboardQuery:
    """What the viewer asked to see: filters, a search and a sort (all optional)."""

    severity: int | None = None
    status: Status | None = None
    area: str | None = None
    search: str = ""
    sort: str = DEFAULT_SORT
    page: int = 1

    @property
    def sort_label(self) -> str:
        return SORTS.get(self.sort, SORTS[DEFAULT_SORT])

    @property
    def is_filtered(self) -> bool:
        return any((self.severity, self.status, self.area, self.search))

    def args(self, *, with_sort: bool = True) -> dict[str, str]:
        """The query-string arguments that reproduce this view (defaults left out)."""
        args = {"severity": str(self.severity or ""), "status": self.status or "",
                "area": self.area or "", "q": self.search}
        if with_sort and self.sort != DEFAULT_SORT:
            args["sort"] = self.sort
        return {key: value for key, value in args.items() if value}

    @property
    def filters(self) -> DashboardQuery:
        """The same filters and search, any sort, any page: what `summarize` depends on."""
        return DashboardQuery(self.severity, self.status, self.area, self.search)

    def page_args(self, page: int) -> dict[str, str]:
        """The arguments of another page of the same view."""
        return {**self.args(), **({"page": str(page)} if page > 1 else {})}

    def criteria(self) -> list:
        """SQL criteria beyond "this organization's open escalations"."""
        criteria = []
        if self.severity:
            criteria.append(Escalation.severity == self.severity)
        if self.status:
            criteria.append(Escalation.status == self.status)
        if self.area:
            criteria.append(Escalation.product_area == self.area)
        if self.search:
            criteria.append(listing.search_criterion(self.search))
        return criteria


def _open_escalations(organization_id: int) -> list:
    return [Escalation.organization_id == organization_id,
            Escalation.status.in_(OPEN_STATUSES)]


@dataclass(frozen=True)
class Summary:
    """The organization's open escalations by product area, and the set matching the query."""

    total_open: int
    areas: tuple[tuple[str, int], ...]
    matching: int
    id_sum: int
    last_changed_at: datetime | None

    def digest(self) -> str:
        changed = self.last_changed_at.isoformat() if self.last_changed_at else "-"
        return f"{self.total_open}|{self.areas}|{self.matching}|{self.id_sum}|{changed}"

    @property
    def pages(self) -> int:
        return listing.page_count(self.matching, PAGE_SIZE)


def summarize(organization_id: int, query: DashboardQuery) -> Summary:
    """One aggregate query over the organization's open escalations: counts per product area,
    and the count, id sum and newest `customer_changed_at` of those matching the query.

    `customer_changed_at` moves only for customer-visible changes, and an escalation that
    enters or leaves the matching set changes the count or the id sum, so the digest changes
    exactly when the customer's view of the list may have."""
    criteria = query.criteria()
    groups = listing.by_area(
        sa.func.count(listing.only_where(criteria, Escalation.id)),
        sa.func.sum(listing.only_where(criteria, Escalation.id, 0)),
        sa.func.max(listing.only_where(criteria, Escalation.customer_changed_at)),
        where=_open_escalations(organization_id),
    )
    changed = [value for value in groups.column(2) if value is not None]
    return Summary(
        total_open=groups.total,
        areas=groups.areas,
        matching=sum(groups.column(0)),
        id_sum=sum(int(value or 0) for value in groups.column(1)),
        last_changed_at=max(changed) if changed else None,
    )


def etag(summary: Summary, query: DashboardQuery, *, variant: str, viewer: str,
         at: datetime, poll_seconds: int) -> str:
    """A weak validator for one representation of the dashboard (the page or its fragment).

    Built from customer-visible data only, the query, who views it (their timezone shapes
    every time shown) and the current minute, so relative times ("in 3 h") refresh at least
    once a minute. Weak: two responses with the same ETag mean the same, but are not byte for
    byte identical (the page carries a fresh CSP nonce, the fragment the time it was made)."""
    return listing.weak_etag(REPRESENTATION_VERSION, variant, viewer,
                             repr(sorted(query.args().items())), query.sort, str(query.page),
                             summary.digest(), listing.minute_of(at), str(poll_seconds))


class LatestUpdate(NamedTuple):
    excerpt: str
    created_at: datetime
    author: str


class Row(NamedTuple):
    """One escalation as its dashboard row shows it (a named tuple: 25 per page)."""

    escalation: dashboard_page.DashboardEscalation
    clocks: sla.SlaClocks
    next_milestone: listing.NextMilestone | None
    latest_update: LatestUpdate | None
    open_for: timedelta

    @property
    def version(self) -> str:
        """Changes whenever the customer can see something new on this escalation (the row's
        data-version; portal.customer.dashboard_rows writes it from the same instant)."""
        return self.escalation.customer_changed_at.isoformat()


@dataclass(frozen=True)
class Dashboard(listing.Paged):
    query: DashboardQuery
    summary: Summary
    rows: list[Row] = field(default_factory=list)
    page: int = 1

    @property
    def page_size(self) -> int:
        return PAGE_SIZE


def load_rows(organization_id: int, query: DashboardQuery, *, at: datetime,
              run: dashboard_page.Run | None = None) -> list[Row]:
    """One page (PAGE_SIZE) of the escalations matching `query`, sorted, with clocks, next
    milestone and latest update: one query whatever the number of rows (dashboard_page;
    `run` executes it, see `dashboard_page.read`)."""
    page = dashboard_page.read(*_shape_and_params(organization_id, query), run=run)
    if not page:
        return []
    compute_clocks = sla.compute_clocks
    rows = []
    for (escalation, update_body, update_at, next_update_by, update_author, milestone_title,
         milestone_due_at, history, calendar, targets) in page:
        if targets is None:
            raise LookupError(f"the SLA policy has no target for severity {escalation.severity}")
        opened_at = escalation.opened_at
        clocks = compute_clocks(
            calendar=calendar,
            targets=targets,
            opened_at=opened_at,
            status_history=history,
            acknowledged_at=escalation.acknowledged_at,
            resolved_at=escalation.resolved_at,
            last_customer_update_at=update_at,
            next_update_by=next_update_by,
            now=at,
        )
        rows.append(_new(Row, (
            escalation,
            clocks,
            (_next_milestone(milestone_title, milestone_due_at)
             if milestone_due_at is not None else None),
            (_new(LatestUpdate, (excerpt(update_body), update_at, update_author or "Clearpath"))
             if update_at is not None else None),
            at - opened_at,
        )))
    return rows


_new = tuple.__new__  # a named tuple in one call (its __new__ is two)
#: A row's next milestone, one frozen record per title and due time (the same ones come back
#: on every request).
_next_milestone = lru_cache(maxsize=4096)(listing.NextMilestone)


def _shape_and_params(organization_id: int,
                      query: DashboardQuery) -> tuple[dashboard_page.Shape, dict]:
    reference = listing.searched_reference(query.search) if query.search else None
    shape = dashboard_page.Shape(
        query.sort if query.sort in dashboard_page.ORDER else DEFAULT_SORT,
        severity=bool(query.severity), status=bool(query.status), area=bool(query.area),
        search=bool(query.search), reference=reference is not None)
    params = {"organization_id": organization_id, "severity": query.severity,
              "status": query.status, "area": query.area,
              "pattern": listing.search_pattern(query.search) if query.search else None,
              "reference": reference,
              "limit": PAGE_SIZE, "offset": (query.page - 1) * PAGE_SIZE}
    return shape, {key: value for key, value in params.items() if value is not None}


# Only read for its words (never rendered as HTML): raw HTML stays text, as on the page.
_words_md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
_EXCERPT_SOURCE_CHARS = 2000  # plenty for 160 characters of words


@lru_cache(maxsize=4096)  # the same updates are excerpted on every refresh of every viewer
def excerpt(markdown_text: str | None, limit: int = EXCERPT_CHARS) -> str:
    """The Markdown as plain words, cut at a word boundary near `limit` characters."""
    text = _words(markdown_text or "")
    if len(text) <= limit:
        return text
    cut = text[:limit + 1]
    cut = cut.rsplit(" ", 1)[0] if " " in cut else text[:limit]
    return cut.rstrip(" ,.;:-–—") + "…"


def _words(source: str) -> str:
    """The text of a Markdown document: what a reader sees, without the markup."""
    if len(source) > _EXCERPT_SOURCE_CHARS:  # a long update: its opening paragraphs will do
        source = source[:_EXCERPT_SOURCE_CHARS].rsplit("\n", 1)[0]
    parts: list[str] = []
    for token in _words_md.parse(source):
        if token.type == "inline":
            for child in token.children or ():
                if child.type in ("text", "code_inline", "image"):
                    parts.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append(" ")
        elif token.type in ("code_block", "fence"):
            parts.append(token.content)
        parts.append(" ")
    return " ".join("".join(parts).split())
