"""The analytics figures worked out again, independently of portal.analytics: plain SQL over
the tables (one month or the period at a time, by time bounds), and plain Python arithmetic on
what it returns. Used to check the page and the CSV."""

from __future__ import annotations

import json
import math
from datetime import datetime

from sqlalchemy import text

from portal.extensions import db

TIER_RANK = {"L1": 1, "L2": 2, "L3": 3, "Management": 4}


def _bound(instant: datetime):
    """A time bound as the database compares it (SQLite keeps naive UTC text)."""
    if db.session.get_bind().dialect.name == "sqlite":
        return instant.strftime("%Y-%m-%d %H:%M:%S")
    return instant


def _seconds(start: str, end: str) -> str:
    if db.session.get_bind().dialect.name == "sqlite":
        return f"(julianday({end}) - julianday({start})) * 86400.0"
    return f"EXTRACT(EPOCH FROM ({end} - {start}))"


def _rows(sql: str, **params):
    for name, value in list(params.items()):
        if isinstance(value, datetime):
            params[name] = _bound(value)
    return db.session.execute(text(sql), params).all()


def _where(group: dict) -> str:
    """Extra criteria on `e` for a group: {"owner_id": 3} → AND e.owner_id = :g_owner_id."""
    return "".join(f" AND e.{column} = :g_{column}" for column in group)


def _params(group: dict) -> dict:
    return {f"g_{column}": value for column, value in group.items()}


def hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 1)


def percent(part: int, whole: int | None) -> float | None:
    return round(part / whole * 100, 1) if whole else None


def _duration(stopped: str, start, end, group) -> tuple[int, float | None, float | None]:
    values = sorted(
        round(float(v))
        for (v,) in _rows(
            f"SELECT {_seconds('e.opened_at', 'e.' + stopped)} FROM escalations e "
            f"WHERE e.{stopped} >= :s AND e.{stopped} < :t{_where(group)}",
            s=start,
            t=end,
            **_params(group),
        )
    )
    if not values:
        return 0, None, None
    return (
        len(values),
        hours(sum(values) / len(values)),
        hours(values[math.ceil(0.9 * len(values)) - 1]),
    )


def _assign(start, end, group) -> tuple[int, float | None, float | None]:
    """Opening → the first acknowledged handoff, counted in that acknowledgement's month, in
    minutes."""
    values = sorted(
        round(float(v))
        for (v,) in _rows(
            f"SELECT {_seconds('e.opened_at', 'f.first')} FROM escalations e JOIN "
            "(SELECT escalation_id, min(acknowledged_at) AS first FROM handoffs "
            " WHERE acknowledged_at IS NOT NULL GROUP BY escalation_id) f "
            f"ON f.escalation_id = e.id WHERE f.first >= :s AND f.first < :t{_where(group)}",
            s=start,
            t=end,
            **_params(group),
        )
    )
    if not values:
        return 0, None, None
    p90 = values[math.ceil(0.9 * len(values)) - 1]
    return len(values), round(sum(values) / len(values) / 60, 1), round(p90 / 60, 1)


def figures(
    start: datetime,
    end: datetime,
    *,
    months: list[datetime],
    now: datetime,
    group: dict | None = None,
) -> dict[str, float | int | None]:
    """Every figure for escalations matching `group`, in [start, end); `months` are the first
    instants of the months in it (the rate is per organization-month)."""
    group = group or {}
    g = _params(group)
    where = _where(group)
    opened = _rows(
        f"SELECT count(*) FROM escalations e WHERE e.opened_at >= :s AND e.opened_at < :t{where}",
        s=start,
        t=end,
        **g,
    )[0][0]
    covered = tickets = 0
    known = False
    for month in months:
        covered += _rows(
            f"SELECT count(*) FROM escalations e WHERE e.opened_at >= :s AND e.opened_at < :t"
            f"{where} AND EXISTS (SELECT 1 FROM ticket_volumes v WHERE "
            f"v.organization_id = e.organization_id AND v.month = :m)",
            s=month,
            t=_next(month),
            m=month.date(),
            **g,
        )[0][0]
        org_filter = (
            " AND v.organization_id = :g_organization_id" if "organization_id" in group else ""
        )
        found = _rows(
            f"SELECT count(*), sum(v.tickets) FROM ticket_volumes v WHERE v.month = :m{org_filter}",
            m=month.date(),
            **(
                {"g_organization_id": group["organization_id"]}
                if "organization_id" in group
                else {}
            ),
        )[0]
        if found[0]:
            known = True
            tickets += found[1]
    ack = _duration("acknowledged_at", start, end, group)
    assign = _assign(start, end, group)
    res = _duration("resolved_at", start, end, group)
    resolved, met = _rows(
        f"SELECT count(*), sum(CASE WHEN NOT EXISTS (SELECT 1 FROM sla_breaches b "
        f"WHERE b.escalation_id = e.id) THEN 1 ELSE 0 END) FROM escalations e "
        f"WHERE e.resolved_at >= :s AND e.resolved_at < :t{where}",
        s=start,
        t=end,
        **g,
    )[0]
    counting = (
        "{u}.visibility = 'customer' AND {u}.author_id IS NOT NULL AND "
        "{u}.retracted_at IS NULL AND ({u}.kind = 'note' OR ({u}.kind = "
        "'status_change' AND {u}.body LIKE :separator))"
    )
    made, kept = _rows(
        f"SELECT count(*), sum(CASE WHEN EXISTS (SELECT 1 FROM updates l WHERE "
        f"l.escalation_id = u.escalation_id AND l.id <> u.id AND l.created_at > u.created_at "
        f"AND l.created_at <= u.next_update_by AND {counting.format(u='l')}) "
        f"OR (e.resolved_at > u.created_at AND e.resolved_at <= u.next_update_by) "
        f"THEN 1 ELSE 0 END) FROM updates u JOIN escalations e ON e.id = u.escalation_id "
        f"WHERE {counting.format(u='u')} AND u.next_update_by IS NOT NULL "
        f"AND u.next_update_by >= :s AND u.next_update_by < :t AND u.next_update_by <= :now"
        f"{where}",
        s=start,
        t=end,
        now=now,
        separator="%\n\n%",
        **g,
    )[0]
    answers, satisfied = _rows(
        f"SELECT count(*), sum(CASE WHEN r.score >= 4 THEN 1 ELSE 0 END) FROM "
        f"survey_responses r JOIN escalations e ON e.id = r.escalation_id "
        f"WHERE r.created_at >= :s AND r.created_at < :t{where}",
        s=start,
        t=end,
        **g,
    )[0]
    reopens = _rows(
        f"SELECT count(*) FROM status_changes c JOIN escalations e ON e.id = c.escalation_id "
        f"WHERE c.from_status IN ('resolved', 'closed') AND c.to_status = 'investigating' "
        f"AND c.at >= :s AND c.at < :t{where}",
        s=start,
        t=end,
        **g,
    )[0][0]
    moves = _rows(
        f"SELECT a.detail FROM audit_events a JOIN escalations e ON e.id = a.object_id "
        f"WHERE a.action = 'escalation.tier_changed' AND a.object_type = 'Escalation' "
        f"AND a.at >= :s AND a.at < :t{where}",
        s=start,
        t=end,
        **g,
    )
    down = sum(
        1
        for (detail,) in moves
        if TIER_RANK[_json(detail)["to_tier"]] < TIER_RANK[_json(detail)["from_tier"]]
    )
    tiers = _time_in_tiers(start, end, group)
    result = {
        "Escalations opened": opened,
        "Tickets (where known)": tickets if known else None,
        "Escalation rate": percent(covered, tickets if known else None),
        "Acknowledged": ack[0],
        "Mean time to acknowledge": ack[1],
        "P90 time to acknowledge": ack[2],
        "Assigned": assign[0],
        "Mean time to assign": assign[1],
        "P90 time to assign": assign[2],
        "Resolved": res[0],
        "Mean time to resolve": res[1],
        "P90 time to resolve": res[2],
        "SLA met (both clocks)": met or 0,
        "SLA attainment": percent(met or 0, resolved),
        "Update promises made": made,
        "Update promises kept": kept or 0,
        "Update-cadence adherence": percent(kept or 0, made),
        "Survey answers": answers,
        "CSAT (4 or 5 of 5)": percent(satisfied or 0, answers),
        "Reopens": reopens,
        "De-escalations": down,
    }
    for tier in TIER_RANK:
        spent = tiers.get(tier)
        result[f"Mean time in {tier}"] = hours(sum(spent) / len(spent)) if spent else None
    return result


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def _next(month: datetime) -> datetime:
    return month.replace(year=month.year + month.month // 12, month=month.month % 12 + 1)


def _time_in_tiers(start, end, group) -> dict[str, list[float]]:
    """Seconds each escalation resolved in [start, end) spent per tier (summed per escalation),
    walked in Python from its tier-change events."""
    escalations = _rows(
        f"SELECT e.id, e.opened_at, e.resolved_at, e.tier FROM escalations e "
        f"WHERE e.resolved_at >= :s AND e.resolved_at < :t{_where(group)}",
        s=start,
        t=end,
        **_params(group),
    )
    spent: dict[str, list[float]] = {}
    for escalation_id, opened, resolved, tier in escalations:
        events = _rows(
            "SELECT a.at, a.detail FROM audit_events a WHERE a.action = "
            "'escalation.tier_changed' AND a.object_type = 'Escalation' AND a.object_id = :i "
            "ORDER BY a.at, a.id",
            i=escalation_id,
        )
        per_tier: dict[str, float] = {}
        current = _json(events[0][1])["from_tier"] if events else tier
        since = _aware(opened)
        for at, detail in events:
            per_tier[current] = per_tier.get(current, 0) + _whole(_aware(at)) - _whole(since)
            current, since = _json(detail)["to_tier"], _aware(at)
        per_tier[current] = per_tier.get(current, 0) + _whole(_aware(resolved)) - _whole(since)
        for name, seconds in per_tier.items():
            spent.setdefault(name, []).append(seconds)
    return spent


def _aware(value) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=__import__("datetime").UTC)


def _whole(value: datetime) -> int:
    return math.floor(value.timestamp())
