"""Portable SQL pieces of the analytics (SQLite and PostgreSQL): a month's first day,
seconds between two instants, a tier's rank."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from portal.enums import Tier
from portal.escalations.workflow import TIER_ORDER
from portal.rules.sql import epoch


class month_of(FunctionElement):  # noqa: N801 (reads like a SQL function)
    """The first day of the UTC month of a stored instant (months are UTC months)."""

    type = sa.Date()
    inherit_cache = True


@compiles(month_of)
def _month_default(element, compiler, **kw):
    inner = compiler.process(element.clauses, **kw)
    return f"CAST(date_trunc('month', {inner} AT TIME ZONE 'UTC') AS DATE)"


@compiles(month_of, "sqlite")
def _month_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


def seconds_between(start, end) -> ColumnElement[int]:
    """Whole seconds from `start` to `end` (elapsed time, as the executive view measures)."""
    return epoch(end) - epoch(start)


def tier_rank(value) -> ColumnElement[int]:
    """L1 → 1 … Management → 4, for telling a move down from a move up."""
    return sa.case({tier.value: TIER_ORDER.index(tier) + 1 for tier in Tier}, value=value, else_=0)
