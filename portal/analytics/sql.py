"""Portable SQL pieces of the analytics (SQLite and PostgreSQL): a month's key, seconds between
two instants, a tier's rank."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from portal.enums import Tier
from portal.escalations.workflow import TIER_ORDER
from portal.rules.sql import epoch


class month_of(FunctionElement):  # noqa: N801 (reads like a SQL function)
    """`YYYY-MM` of a stored UTC instant (months are UTC months)."""

    type = sa.String()
    inherit_cache = True


@compiles(month_of)
def _month_default(element, compiler, **kw):
    return f"to_char({compiler.process(element.clauses, **kw)} AT TIME ZONE 'UTC', 'YYYY-MM')"


@compiles(month_of, "sqlite")
def _month_sqlite(element, compiler, **kw):
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"


class month_of_day(FunctionElement):  # noqa: N801
    """`YYYY-MM` of a stored date."""

    type = sa.String()
    inherit_cache = True


@compiles(month_of_day)
def _month_day_default(element, compiler, **kw):
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"


@compiles(month_of_day, "sqlite")
def _month_day_sqlite(element, compiler, **kw):
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"


def seconds_between(start, end) -> ColumnElement[int]:
    """Whole seconds from `start` to `end` (elapsed time, as the executive view measures)."""
    return epoch(end) - epoch(start)


def tier_rank(value) -> ColumnElement[int]:
    """L1 → 1 … Management → 4, for telling a move down from a move up."""
    return sa.case({tier.value: TIER_ORDER.index(tier) + 1 for tier in Tier}, value=value, else_=0)
