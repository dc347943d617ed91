"""Every analytics figure, as the page and its CSV give it, equals the same figure worked out
independently with plain SQL on a seeded half-year — per month, per group and for the period."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from portal.analytics.presentation import COLUMNS
from portal.clock import frozen_at
from portal.enums import Role
from tests.analytics import independent
from tests.analytics.dataset import MONTHS, NOW, SINCE, UNTIL, seed_half_year
from tests.customer.test_exports import rows_of

MONTH_STARTS = [datetime(2026, month, 1, tzinfo=UTC) for month in range(1, 8)]
HEADINGS = [column.heading for column in COLUMNS]


@pytest.fixture
def seeded(as_staff, world):
    with as_staff():
        seed_half_year(world)
    return world


def _csv(client, query: str) -> dict[tuple[str, str], dict[str, float | int | None]]:
    with frozen_at(NOW):
        heading, *rows = rows_of(client.get(f"/admin/analytics.csv?{query}"))
    assert heading == ["Month", "Grouped by", "Group", *HEADINGS]
    return {
        (row[0], row[2]): {
            name: _number(cell) for name, cell in zip(HEADINGS, row[3:], strict=True)
        }
        for row in rows
    }


def _number(cell: str):
    if cell == "":
        return None
    return float(cell) if "." in cell else int(cell)


def _expected(start, end, group=None):
    months = [m for m in MONTH_STARTS[:-1] if start <= m < end]
    return independent.figures(start, end, months=months, now=NOW, group=group)


def _same(found: dict, expected: dict, where: str) -> None:
    for name, value in expected.items():
        if isinstance(value, float) and found[name] is not None:
            assert found[name] == pytest.approx(value, abs=0.051), (where, name)
        else:
            assert found[name] == value, (where, name, found[name], value)


def test_each_months_figures_equal_plain_sql(client, auth, seeded, app):
    """Per month and for the half-year: every column of the CSV equals plain SQL's answer."""
    auth.login(seeded.staff[Role.ESCALATION_MANAGER].email)
    found = _csv(client, f"since={SINCE}&until={UNTIL}")
    assert [month for month, _ in found][:6] == MONTHS
    with app.app_context():
        for i, month in enumerate(MONTHS):
            _same(found[(month, "All")], _expected(MONTH_STARTS[i], MONTH_STARTS[i + 1]), month)
        period = _expected(MONTH_STARTS[0], MONTH_STARTS[6])
        _same(found[(f"{SINCE} to {UNTIL}", "All")], period, "period")
    # The data set exercises every figure (none is trivially zero or empty).
    for name in HEADINGS:
        assert period[name] not in (None, 0), name


@pytest.mark.parametrize(
    ("grouping", "column"), [("owner", "owner_id"), ("organization", "organization_id")]
)
def test_each_groups_figures_equal_plain_sql(client, auth, seeded, app, grouping, column):
    """Grouped by owner or by organization, each group's period figures equal plain SQL's."""
    auth.login(seeded.staff[Role.ESCALATION_MANAGER].email)
    found = _csv(client, f"since={SINCE}&until={UNTIL}&group_by={grouping}")
    if grouping == "owner":
        groups = {
            seeded.staff[role].name: seeded.staff[role].id
            for role in (Role.AGENT, Role.ESCALATION_MANAGER)
        }
    else:
        groups = {org.name: org.id for org in (seeded.org_a, seeded.org_b)}
    with app.app_context():
        for label, value in groups.items():
            _same(
                found[(f"{SINCE} to {UNTIL}", label)],
                _expected(MONTH_STARTS[0], MONTH_STARTS[6], {column: value}),
                label,
            )


def test_a_filter_narrows_every_figure(client, auth, seeded, app):
    """Filtered to one organization and severity, the period's figures equal plain SQL's."""
    auth.login(seeded.staff[Role.ACCOUNT_MANAGER].email)
    org = seeded.org_a
    found = _csv(client, f"since={SINCE}&until={UNTIL}&organization={org.id}&severity=2")
    with app.app_context():
        _same(
            found[(f"{SINCE} to {UNTIL}", "All")],
            _expected(MONTH_STARTS[0], MONTH_STARTS[6], {"organization_id": org.id, "severity": 2}),
            "filtered",
        )


def test_the_page_shows_the_same_figures_as_the_csv(client, auth, seeded):
    """The page's tables carry the CSV's numbers, month by month."""
    auth.login(seeded.staff[Role.ADMINISTRATOR].email)
    found = _csv(client, f"since={SINCE}&until={UNTIL}")
    with frozen_at(NOW):
        page = client.get(f"/admin/analytics?since={SINCE}&until={UNTIL}").get_data(as_text=True)
    for i, month in enumerate(MONTHS):
        label = datetime(2026, i + 1, 1).strftime("%b %Y")
        row = re.search(rf'<tr><th scope="row" data-label="Month">{label}</th>(.*?)</tr>', page)
        cells = re.findall(r'data-label="([^"]+)" class="num">([^<]*)</td>', row[1])
        expected = COLUMNS[0].shown  # the volume chart's table comes first
        assert cells[0] == (
            "Escalations opened",
            f"{found[(month, 'All')]['Escalations opened']:,}",
        )
        assert expected
    period = found[(f"{SINCE} to {UNTIL}", "All")]
    assert f"{period['SLA attainment']:.1f} %" in page
    assert f"{period['Update-cadence adherence']:.1f} %" in page
    assert f"{period['CSAT (4 or 5 of 5)']:.1f} %" in page
    assert f"{period['Mean time to resolve']:,.1f} h</span>" in page
    # The period's cards each carry their own figure (picked by heading, not by position).
    cards = dict(re.findall(r'<span class="stat-label">([^<]+)</span>\s*'
                            r'<span class="stat-value">([^<]+)</span>', page))
    assert cards["SLA attainment"] == f"{period['SLA attainment']:.1f} %"
    assert cards["CSAT"] == f"{period['CSAT (4 or 5 of 5)']:.1f} %"
    assert cards["Mean time to assign"] == f"{period['Mean time to assign']:,.1f} min"
    assert cards["Mean time to resolve"] == f"{period['Mean time to resolve']:,.1f} h"
    assert cards["Update-cadence adherence"] == f"{period['Update-cadence adherence']:.1f} %"
