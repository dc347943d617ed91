"""What a report says: the customer-facing content of a review, frozen at publication.

`build_content` reads customer-visible rows only (through `queries.customer_visible`) and the
review's customer fields only (`models.CUSTOMER_FIELDS`): internal notes and the internal
analysis are never in the content, so they cannot reach a PDF. The content is plain JSON
(instants as ISO strings in UTC), so a version renders the same way for ever.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from portal.clock import now
from portal.enums import SEVERITY_LABELS, Status, Tier, UpdateKind
from portal.escalations import sla, system_entries
from portal.escalations.clocks import calendar_for, targets_for
from portal.escalations.models import Escalation, SurveyResponse, Update
from portal.escalations.promises import counts_as_update
from portal.extensions import db
from portal.reports.limits import MAX_HIGHLIGHT_CHARS
from portal.reports.models import CUSTOMER_FIELDS, Review
from portal.reports.timeline import (
    MAX_TIMELINE_ROWS,
    chosen_entries,
    customer_timeline,
    entry_item,
)
from portal.settings import get_setting

# Clearpath's containment goal, as a share of the resolution target (no plan sets one).
CONTAIN_TARGET_PERCENT = ("reports.contain_target_percent_of_resolve", 50)

_TIER_CHANGE = re.compile(r"^(?:Escalated|De-escalated) from (.+?) to (.+?)\.", re.MULTILINE)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def report_timeline(review: Review, updates: list[Update]) -> list[dict]:
    """The report's timeline: the entries staff chose (`review.timeline_choices`) and the
    highlights they wrote, oldest first (bounded)."""
    chosen = [entry_item(update) for update in chosen_entries(updates,
                                                              review.timeline_choices)]
    written = [{"at": item.get("at"), "text": str(item.get("text", ""))[:MAX_HIGHLIGHT_CHARS]}
               for item in (review.timeline_highlights or [])[:MAX_TIMELINE_ROWS]]
    return sorted(chosen + written, key=_instant)[:MAX_TIMELINE_ROWS]


def _instant(item: dict) -> datetime:
    """When a timeline item happened (highlights carry their zone's offset, entries UTC)."""
    try:
        return datetime.fromisoformat(item["at"])
    except (TypeError, ValueError):
        return datetime.min.replace(tzinfo=UTC)


def tier_path(escalation: Escalation, updates: list[Update]) -> list[dict]:
    """When the escalation entered each tier, from the customer-visible tier-change entries."""
    path = [{"at": _iso(escalation.opened_at), "tier": Tier.L1.value}]
    for update in updates:
        if update.kind != UpdateKind.TIER_CHANGE:
            continue
        match = _TIER_CHANGE.search(update.body)  # entries written before issue 12
        if match and match.group(2) in {tier.value for tier in Tier}:
            path.append({"at": _iso(update.created_at), "tier": match.group(2)})
        elif (tier := system_entries.tier_announced(update.body)) is not None:
            path.append({"at": _iso(update.created_at), "tier": tier.value})
    return path


def status_path(escalation: Escalation) -> list[dict]:
    return [{"at": _iso(change.at), "status": change.to_status.value}
            for change in escalation.status_history]


def _minutes(delta: timedelta | None) -> int | None:
    return None if delta is None else round(delta.total_seconds() / 60)


def metrics_for(escalation: Escalation, updates: list[Update]) -> dict:
    """Times to acknowledge, contain and resolve against their targets (counted in the
    organization's SLA calendar, as the SLA clocks count), whether the SLA was met, and how
    many customer updates came on time."""
    calendar = calendar_for(escalation)
    targets = targets_for(escalation)
    end = escalation.resolved_at or now()
    history = [sla.StatusChange(at=c.at, status=c.to_status.value)
               for c in escalation.status_history]
    clocks = sla.compute_clocks(
        calendar=calendar, targets=targets, opened_at=escalation.opened_at,
        status_history=history, acknowledged_at=escalation.acknowledged_at,
        resolved_at=escalation.resolved_at, last_customer_update_at=None, next_update_by=None,
        now=end)
    contain_target = targets.resolve_minutes * get_setting(*CONTAIN_TARGET_PERCENT) / 100
    contained = escalation.contained_at or escalation.resolved_at
    contain_minutes = (_minutes(sla.business_elapsed(calendar, escalation.opened_at, contained))
                       if contained else None)

    cadence = timedelta(minutes=targets.update_minutes)
    due = sla.add_business_time(calendar, escalation.opened_at, cadence)
    on_time = total = 0
    for update in updates:
        # Only a person's update keeps the promise (portal.escalations.promises).
        if not counts_as_update(update) or update.created_at > end:
            continue
        total += 1
        on_time += update.created_at <= due
        due = update.next_update_by or sla.add_business_time(calendar, update.created_at,
                                                             cadence)

    def clock(c: sla.Clock) -> dict:
        return {"minutes": _minutes(c.elapsed) if c.stopped_at else None,
                "target": _minutes(c.target), "met": c.state == "met"}

    acknowledge, resolve = clock(clocks.acknowledge), clock(clocks.resolve)
    return {
        "acknowledge": acknowledge,
        "contain": {"minutes": contain_minutes, "target": round(contain_target),
                    "met": contain_minutes is not None and contain_minutes < contain_target},
        "resolve": resolve,
        "sla_met": acknowledge["met"] and resolve["met"],
        "updates": {"on_time": on_time, "total": total, "cadence": targets.update_minutes},
        "business_hours": calendar.business_hours is not None,
    }


def csat_for(escalation: Escalation) -> dict | None:
    row = db.session.execute(
        select(func.count(SurveyResponse.id), func.avg(SurveyResponse.score))
        .where(SurveyResponse.escalation_id == escalation.id)
    ).one()
    return {"count": row[0], "mean": round(float(row[1]), 1)} if row[0] else None


def build_content(review: Review, *, version: int, published_at: datetime) -> dict:
    """The customer-facing content of `review` as version `version`, published at the instant
    given. Never reads an internal field or an internal row."""
    escalation = review.escalation
    organization = escalation.organization
    updates = customer_timeline(escalation)
    return {
        "version": version,
        "published_at": _iso(published_at),
        "organization": organization.name,
        "timezone": organization.timezone,
        "reference": escalation.reference,
        "title": escalation.title,
        "severity": escalation.severity,
        "severity_label": SEVERITY_LABELS[escalation.severity],
        "product_area": escalation.product_area,
        "opened_at": _iso(escalation.opened_at),
        "acknowledged_at": _iso(escalation.acknowledged_at),
        "contained_at": _iso(escalation.contained_at),
        "resolved_at": _iso(escalation.resolved_at),
        "resolution_summary": escalation.resolution_summary,
        "owner": escalation.owner.name if escalation.owner else "",
        "communicator": escalation.communicator.name if escalation.communicator else "",
        "fields": {f.name: getattr(review, f.name) or "" for f in CUSTOMER_FIELDS},
        "root_cause_category": review.root_cause_category,
        "timeline": report_timeline(review, updates),
        "actions": [{"title": a.title, "owner": a.owner,
                     "due_on": a.due_on.isoformat() if a.due_on else None,
                     "status": a.status.value} for a in review.actions],
        "metrics": metrics_for(escalation, updates),
        "tiers": tier_path(escalation, updates),
        "statuses": status_path(escalation),
        "csat": csat_for(escalation),
    }


def resolved(escalation: Escalation) -> bool:
    return escalation.status in (Status.RESOLVED, Status.CLOSED)
