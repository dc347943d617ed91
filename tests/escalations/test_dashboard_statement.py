"""The dashboard's latest-update criteria with their enumerated values written as constants
(portal.escalations.dashboard_page, for migration 0040's partial index) are the same rule as
`customer_visible(Update) & counting_update()`, and the partial index holds every update the
rule can pick."""

import itertools

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from portal.enums import UpdateKind, Visibility
from portal.escalations import dashboard_page
from portal.escalations.models import Update
from portal.escalations.models.update import COUNTING_UPDATE
from portal.escalations.promises import counting_update
from portal.escalations.queries import customer_visible


def _literal(criteria, dialect) -> str:
    return str(criteria.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def test_written_criteria_are_the_same_rule():
    rule = customer_visible(Update) & counting_update()
    written = dashboard_page._enumerations_written(rule)
    for dialect in (postgresql.dialect(), sqlite.dialect()):
        assert _literal(written, dialect) == _literal(rule, dialect)
    text = str(written.compile(dialect=postgresql.dialect()))
    assert "updates.visibility = 'customer'" in text
    assert "updates.kind = 'note'" in text and "updates.kind = 'status_change'" in text
    assert "%(body_1)s" in text  # only the enumerations are written: the note separator stays


def test_the_partial_index_holds_every_update_the_rule_picks():
    """Every combination the rule accepts passes the index's predicate (SQLite evaluates both
    on a one-row table of the combination)."""
    engine = sa.create_engine("sqlite://")
    with engine.connect() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE updates (id INTEGER, visibility TEXT, kind TEXT, author_id INTEGER,"
            " retracted_at TEXT, body TEXT)")
        rule = _literal(customer_visible(Update) & counting_update(), sqlite.dialect())
        picks = 0
        for visibility, kind, author_id, retracted_at, body in itertools.product(
                [v.value for v in Visibility], [k.value for k in UpdateKind], [None, 1],
                [None, "2026-01-01"], ["plain", "status\n\nwith a note"]):
            connection.exec_driver_sql("DELETE FROM updates")
            connection.exec_driver_sql(
                "INSERT INTO updates VALUES (1, ?, ?, ?, ?, ?)",
                (visibility, kind, author_id, retracted_at, body))
            picked = connection.exec_driver_sql(f"SELECT count(*) FROM updates WHERE {rule}")
            indexed = connection.exec_driver_sql(
                f"SELECT count(*) FROM updates WHERE {COUNTING_UPDATE}")
            if picked.scalar():
                picks += 1
                assert indexed.scalar() == 1, (visibility, kind, author_id, retracted_at)
    assert picks == 3  # a note, and a status change with a note, by a person: either body
