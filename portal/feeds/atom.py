"""Atom (RFC 4287) feeds of customer-visible updates, built with feedgen.

Ids are stable URNs (UUIDv5 of what the entry is), independent of the token and of the host
name: resetting feed links or moving the portal never makes a reader show an update twice.
Entry content is the update's Markdown rendered and sanitized exactly as the web page does
(`portal.markdown`); an edited update keeps its id and moves its `updated` time.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from feedgen.feed import FeedGenerator

from portal.enums import UpdateKind
from portal.escalations.models import Escalation
from portal.markdown import render_markdown

#: The namespace of every feed and entry id (a fixed UUID: ids must never change).
NAMESPACE = uuid.UUID("6f1d3c1e-2b8a-5b7e-9d43-0c5a7f1e9b21")
GENERATOR = "Clearpath"

KIND_LABELS = {
    UpdateKind.NOTE: "Update",
    UpdateKind.STATUS_CHANGE: "Status change",
    UpdateKind.SEVERITY_CHANGE: "Severity change",
    UpdateKind.TIER_CHANGE: "Tier change",
    UpdateKind.OWNERSHIP: "New owner",
    UpdateKind.MILESTONE: "Milestone",
    UpdateKind.CUSTOMER_COMMENT: "Comment",
}


def urn(*parts: object) -> str:
    """A stable id for what `parts` name ("update", 42) → urn:uuid:…"""
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, ':'.join(map(str, parts)))}"


@dataclass(frozen=True)
class FeedLinks:
    """Absolute URLs the feed points at: itself, the page it mirrors, and each entry's page."""

    self_url: str
    page_url: str
    entry_url: Callable[[int, int], str]  # (escalation id, update id) → the update on its page


def build(*, feed_id: str, title: str, subtitle: str, links: FeedLinks, entries: Sequence,
          fallback_updated: datetime) -> bytes:
    """The Atom document of `entries` (rows of `portal.feeds.queries` update reads, newest
    first). `fallback_updated` is the feed's time when it has no entry yet."""
    feed = FeedGenerator()
    feed.id(feed_id)
    feed.title(title)
    feed.subtitle(subtitle)
    feed.link(href=links.self_url, rel="self", type="application/atom+xml")
    feed.link(href=links.page_url, rel="alternate", type="text/html")
    feed.author(name=GENERATOR)
    feed.generator(GENERATOR)
    feed.language("en")
    newest = fallback_updated
    for row in entries:
        changed = row.edited_at or row.created_at
        newest = max(newest, changed)
        entry = feed.add_entry(order="append")
        reference = Escalation.reference_of(row.escalation_id)
        entry.id(urn("update", row.id))
        entry.title(f"[{reference}] {row.escalation} — {KIND_LABELS.get(row.kind, 'Update')}")
        entry.link(href=links.entry_url(row.escalation_id, row.id), rel="alternate",
                   type="text/html")
        entry.published(row.created_at)
        entry.updated(changed)
        entry.author(name=row.author or GENERATOR)
        entry.category(term=reference)
        entry.content(str(render_markdown(row.body)), type="html")
    feed.updated(newest)
    return feed.atom_str(pretty=False)
