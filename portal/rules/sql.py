"""Portable SQL pieces the sweeps build their outbox rows with (SQLite and PostgreSQL)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement


class epoch(FunctionElement):  # noqa: N801 (reads like a SQL function)
    """Whole seconds since 1970 of a stored UTC instant: stable text for outbox keys."""

    type = sa.BigInteger()
    inherit_cache = True


@compiles(epoch)
def _epoch_default(element, compiler, **kw):
    inner = compiler.process(element.clauses, **kw)
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {inner})) AS BIGINT)"


@compiles(epoch, "sqlite")
def _epoch_sqlite(element, compiler, **kw):
    inner = compiler.process(element.clauses, **kw)
    return f"CAST(strftime('%s', {inner}) AS INTEGER)"


class json_object(FunctionElement):  # noqa: N801
    """A JSON object built in SQL from alternating keys and values."""

    type = sa.JSON()
    inherit_cache = True


@compiles(json_object)
def _json_default(element, compiler, **kw):
    return f"json_build_object({compiler.process(element.clauses, **kw)})"


@compiles(json_object, "sqlite")
def _json_sqlite(element, compiler, **kw):
    return f"json_object({compiler.process(element.clauses, **kw)})"


def json_of(**pairs) -> ColumnElement:
    args = []
    for name, value in pairs.items():
        args.append(sa.literal(name, sa.String))
        is_sql = isinstance(value, ColumnElement) or hasattr(value, "__clause_element__")
        args.append(value if is_sql else sa.literal(value))
    return json_object(*args)


def text_of(value) -> ColumnElement:
    return sa.cast(value, sa.String)


def key_of(*parts) -> ColumnElement:
    """Concatenate literal strings and SQL values into one outbox key."""
    expression = None
    for part in parts:
        piece = sa.literal(part, sa.String) if isinstance(part, str) else text_of(part)
        expression = piece if expression is None else expression.concat(piece)
    return expression
