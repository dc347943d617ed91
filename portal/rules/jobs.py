"""The rules job (listed in `portal.scheduler`).

`evaluate_rules` is the one rules job: it records SLA breaches (with their audit event and the
administrators' tier rules) and runs every notice sweep of `portal.rules.sweeps`. Everything is
set-based: the statement count does not depend on the number of open escalations.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text

from portal.clock import now
from portal.extensions import db
from portal.oncall.paging import page_on_call
from portal.rules.breaches import (
    BREACH_ACTION,
    apply_tier_rules,
    audit_new_breaches,
    record_breaches,
)
from portal.rules.settings import load_rules
from portal.rules.sweeps import run_sweeps, sweep_params
from portal.rules.watermark import mark_swept, swept_until

__all__ = ["BREACH_ACTION", "evaluate_rules"]

# One sweeper at a time per database and schema on PostgreSQL: a second one (a stray process)
# skips its run. The outbox keys would keep its notices single anyway; this keeps tier changes
# and audits single. Advisory locks are shared by the whole database, so the key names the
# schema too: another deployment (or test run) in a schema of its own never skips this one.
_TRY_SWEEP_LOCK = text(
    "SELECT pg_try_advisory_xact_lock(hashtextextended("
    "'clearpath-sweep:' || current_database() || '.' || current_schema(), 0))")


def evaluate_rules(at: datetime | None = None) -> dict[str, int]:
    """Evaluate every rule at `at` (default: now). Runs unscoped (a job); the caller commits.

    Returns counts per step (`breaches`, `tier_changes`, and the notices each sweep queued),
    or `{"skipped": 1}` when another sweep holds the lock.
    """
    at = at or now()
    if db.session.get_bind().dialect.name == "postgresql" and not db.session.scalar(
            _TRY_SWEEP_LOCK):
        return {"skipped": 1}
    rules = load_rules()
    previous = swept_until()
    window = sweep_params(at, rules, previous)
    counts = {"breaches": record_breaches(at, window["since"])}
    audit_new_breaches(at, rules)
    counts["tier_changes"] = apply_tier_rules(at, rules)
    counts.update(run_sweeps(at, rules, previous))
    counts.update(page_on_call(at))  # the same alerts, to whoever is on call (and repeats)
    if previous is None or at > previous:
        mark_swept(at)
    return counts
